"""Sending a campaign's e-mail: claim in the database, then hand to SMTP, then record (送信処理).

Why this order (docs/notices.md explains it at length): a notice must reach each person once. A crash can
come at any moment, so the database must always say something true about every message:

1. **Claim** — one conditional UPDATE moves the delivery from ``queued`` to ``sending``, naming this sender
   and a lease, and commits. Only one sender can win it. Nothing has gone to the server yet.
2. **Send** — the message, with the Message-ID fixed when the delivery was created, goes to the server.
3. **Record** — another conditional UPDATE writes ``sent`` (250), ``failed`` (an error code: the server does
   not have it), ``queued`` again (the connection broke before the data: it does not have it either) or
   ``unknown`` (the connection broke during the data: it may have it).

A delivery found in ``sending`` whose sender is gone (crash between 2 and 3) becomes ``unknown``, never
``queued``: somebody checks the mail server's log for its Message-ID and settles it (sent, or send again).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import smtplib
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.notices import compose, smtp
from mamori.notices.models import Campaign, CampaignStatus, Channel, Delivery, DeliveryStatus
from mamori.notices.ratelimit import RateLimiter

log = logging.getLogger("mamori.notices")
MAX_BROKEN_CONNECTIONS = 3


@dataclass
class RunResult:
    sent: int = 0
    failed: int = 0
    unknown: int = 0
    requeued: int = 0
    settled_unknown: int = 0
    finished: bool = False
    outcomes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int | bool]:
        return {
            "sent": self.sent,
            "failed": self.failed,
            "unknown": self.unknown,
            "requeued": self.requeued,
            "settled_unknown": self.settled_unknown,
            "finished": self.finished,
        }


def lease_seconds() -> float:
    """How long a claim holds: longer than one SMTP exchange can take (three timeouts) plus a margin."""
    return float(getattr(settings, "EMAIL_TIMEOUT", 10) or 10) * 3 + 60


def claim(delivery_id: int, owner: str) -> bool:
    """Step 1: take one queued delivery for this sender (one conditional UPDATE, committed at once); False if
    somebody else took it or it is no longer queued."""
    now = timezone.now()
    taken = Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.QUEUED).update(
        status=DeliveryStatus.SENDING,
        lease_owner=owner,
        lease_expires_at=now + dt.timedelta(seconds=lease_seconds()),
        claimed_at=now,
        attempts=F("attempts") + 1,
        updated_at=now,
    )
    return taken == 1


def record(delivery: Delivery, owner: str, outcome: smtp.Outcome) -> str:
    """Step 3: write what happened, only if this sender still holds the claim. Returns the new status."""
    now = timezone.now()
    mine = Delivery.objects.filter(pk=delivery.pk, lease_owner=owner)
    release = {"lease_owner": "", "lease_expires_at": None, "updated_at": now}
    if isinstance(outcome, smtp.Sent):
        # Also over an "unknown" that a restart wrote while this (slow) sender was still talking: it was sent.
        mine.filter(status__in=[DeliveryStatus.SENDING, DeliveryStatus.UNKNOWN]).update(
            status=DeliveryStatus.SENT, sent_at=now, server_reply=outcome.reply, **release
        )
        return DeliveryStatus.SENT
    mine = mine.filter(status=DeliveryStatus.SENDING)
    if isinstance(outcome, smtp.Refused):
        mine.update(status=DeliveryStatus.FAILED, failed_at=now, server_reply=outcome.reply, **release)
        return DeliveryStatus.FAILED
    if isinstance(outcome, smtp.NotStarted):
        mine.update(status=DeliveryStatus.QUEUED, note=_note(outcome.reason, now), **release)
        return DeliveryStatus.QUEUED
    mine.update(
        status=DeliveryStatus.UNKNOWN,
        server_reply=outcome.reason[:500],
        note=_note(_("The connection broke while the message was being handed over."), now),
        **release,
    )
    return DeliveryStatus.UNKNOWN


def _note(text: str, now: dt.datetime) -> str:
    return f"{timezone.localtime(now):%Y-%m-%d %H:%M:%S} {text}"[:2000]


def settle_abandoned(campaign: Campaign | None = None, owner: str = "") -> int:
    """Deliveries left in ``sending`` by a sender that is gone become ``unknown`` (never ``queued``).

    Gone: its claim expired, or it names a process of this machine that no longer exists.
    """
    now = timezone.now()
    rows = Delivery.objects.filter(status=DeliveryStatus.SENDING).exclude(lease_owner=owner)
    if campaign is not None:
        rows = rows.filter(campaign=campaign)
    gone = [d.pk for d in rows.only("pk", "lease_owner", "lease_expires_at") if _gone(d, now)]
    if not gone:
        return 0
    note = _note(_("The sender stopped while handing this message over; check the mail server's log."), now)
    settled = Delivery.objects.filter(pk__in=gone, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.UNKNOWN, note=note, lease_owner="", lease_expires_at=None, updated_at=now
    )
    log.warning("notices: %d delivery(ies) left in 'sending' marked unknown", settled)
    return settled


def _gone(delivery: Delivery, now: dt.datetime) -> bool:
    if delivery.lease_expires_at is None or delivery.lease_expires_at < now:
        return True
    host, _sep, rest = delivery.lease_owner.partition(":")
    pid = rest.split(":", 1)[0]
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def pending(campaign: Campaign, limit: int) -> list[Delivery]:
    """The next queued deliveries with their people, read once per batch (each is still claimed one by one)."""
    rows = list(
        Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.QUEUED)
        .select_related("person")
        .order_by("pk")[:limit]
    )
    for row in rows:
        row.campaign = campaign  # the texts and items, without reading the campaign again for every message
    return rows


def run(
    campaign_id: int,
    owner: str,
    *,
    should_stop: Callable[[], bool] = lambda: False,
    on_batch: Callable[[Campaign], None] = lambda c: None,
) -> RunResult:
    """Send the campaign's queued e-mail until none is left, the campaign is paused or ``should_stop()``.

    An SMTP server that cannot be reached raises (the job is retried later); everything sent until then is
    recorded. ``on_batch`` is called after each batch (job progress; it may raise to stop the job).
    """
    campaign = Campaign.objects.get(pk=campaign_id)
    result = RunResult(settled_unknown=settle_abandoned(campaign, owner))
    if campaign.channel != Channel.EMAIL:
        return result
    limiter = RateLimiter(max(1, campaign.rate_per_minute))
    conn: smtplib.SMTP | None = None
    broken = 0  # connections broken in a row: a server that keeps dropping us is retried later, not hammered
    try:
        while not should_stop():
            campaign.refresh_from_db(fields=["status", "rate_per_minute", "batch_size"])
            if campaign.status != CampaignStatus.SENDING:
                return result
            batch = pending(campaign, max(1, campaign.batch_size))
            if not batch:
                result.finished = finish_if_done(campaign)
                return result
            for delivery in batch:
                limiter.wait(should_stop)
                if should_stop():
                    return result
                if conn is None:
                    conn = smtp.connect()  # raises when the server cannot be reached: nothing is claimed yet
                if not claim(delivery.pk, owner):
                    continue
                outcome = smtp.send(conn, str(settings.DEFAULT_FROM_EMAIL), delivery.address, _message(delivery))
                _count(result, record(delivery, owner, outcome))
                if isinstance(outcome, smtp.NotStarted | smtp.Lost):
                    smtp.close(conn)  # a broken connection: the next message opens a new one
                    conn = None
                    broken += 1
                    if broken >= MAX_BROKEN_CONNECTIONS:
                        raise smtplib.SMTPServerDisconnected(_("The mail server keeps closing the connection."))
                else:
                    broken = 0
            on_batch(campaign)
    finally:
        smtp.close(conn)
    return result


def _message(delivery: Delivery) -> Message:
    return compose.email_message(delivery)


def _count(result: RunResult, status: str) -> None:
    if status == DeliveryStatus.SENT:
        result.sent += 1
    elif status == DeliveryStatus.FAILED:
        result.failed += 1
    elif status == DeliveryStatus.UNKNOWN:
        result.unknown += 1
    else:
        result.requeued += 1


def finish_if_done(campaign: Campaign) -> bool:
    """A sending campaign with nothing queued or being sent is done (unknown and failed ones stay listed)."""
    open_rows = Delivery.objects.filter(campaign=campaign).filter(
        Q(status=DeliveryStatus.QUEUED) | Q(status=DeliveryStatus.SENDING)
    )
    if open_rows.exists():
        return False
    now = timezone.now()
    return bool(
        Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.SENDING).update(
            status=CampaignStatus.DONE, finished_at=now
        )
    )
