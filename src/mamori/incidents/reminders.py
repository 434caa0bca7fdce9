"""E-mail reminders of due dates (期限のリマインダー): N days before each due date (``MAMORI_REMINDER_DAYS``,
default "3,1") and on the day, for every due date the deadline providers give for open cases (reports,
notices, tasks, hold reviews).

Nothing fires twice: each reminder has a key (the due date's key plus the stage, e.g.
``case:3:task:9:before-3``) that is inserted into ``ReminderSent`` *first*, in the same transaction as the
mail job that will send it. Its unique constraint lets exactly one run take the key, even when two workers
(or a worker and cron) run at the same moment; the loser's insert fails and it sends nothing.

How it runs (there is no general scheduler): the task ``incidents.remind``

- is queued at most once per ``MAMORI_REMINDER_INTERVAL`` seconds (default 3600; 0 turns the clock off) by
  a small clock thread that every worker starts (``registry.at_startup``: ``mamori worker`` and the
  embedded worker of ``mamori serve``) — several workers together still queue it once per interval, as the
  clock looks at the job table before queueing;
- or is run directly from cron: ``mamori incidents remind`` (same code, same keys).

Each run sends, per due date, the reminder of the nearest stage it is within ("before-3" when 3 or 2 days
are left, "before-1" when 1 day is left, "due" on the day), so a run that missed a day still warns once.
Past due dates get no e-mail (the dashboard shows them as overdue).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mamori.accounts import policy
from mamori.accounts.models import User
from mamori.accounts.policy import SYSTEM
from mamori.accounts.roles import Role
from mamori.audit import services as audit
from mamori.incidents import deadlines
from mamori.incidents.models import CaseStatus, IncidentCase, ReminderSent
from mamori.jobs.context import JobContext
from mamori.jobs.registry import at_startup, task

log = logging.getLogger("mamori.incidents")

TASK_NAME = "incidents.remind"
DUE_DAY = "due"


def reminder_days() -> list[int]:
    """The days before a due date that get a reminder, largest first (``MAMORI_REMINDER_DAYS``, "3,1")."""
    raw = getattr(settings, "MAMORI_REMINDER_DAYS", None) or os.environ.get("MAMORI_REMINDER_DAYS") or "3,1"
    days = {int(part) for part in str(raw).replace(" ", "").split(",") if part.isdigit() and int(part) > 0}
    return sorted(days, reverse=True)


def interval_seconds() -> int:
    raw = getattr(settings, "MAMORI_REMINDER_INTERVAL", None)
    if raw is None:
        raw = os.environ.get("MAMORI_REMINDER_INTERVAL")
    try:
        return max(int(raw), 0) if raw is not None else 3600
    except ValueError:
        return 3600


def stage_for(days_left: int, days: Iterable[int]) -> str | None:
    """The reminder stage for a due date ``days_left`` days away: "due" on the day, "before-N" for the
    smallest N it is within, nothing when it is further away or already past."""
    if days_left == 0:
        return DUE_DAY
    within = [n for n in days if 0 < days_left <= n]
    return f"before-{min(within)}" if within else None


@dataclass(frozen=True)
class Due:
    deadline: deadlines.Deadline
    case: IncidentCase
    stage: str
    days_left: int

    @property
    def key(self) -> str:
        return f"{self.deadline.key}:{self.stage}"[:200]


def due_reminders(today: dt.date | None = None) -> list[Due]:
    """The reminders due today for every open, not archived case."""
    today = today or timezone.localdate()
    days = reminder_days()
    found = []
    cases = IncidentCase.objects.filter(archived_at__isnull=True).exclude(status=CaseStatus.CLOSED)
    for case in cases.order_by("pk"):
        for deadline in deadlines.for_case(case):
            if deadline.done:
                continue
            left = (deadline.due - today).days
            stage = stage_for(left, days)
            if stage is not None:
                found.append(Due(deadline, case, stage, left))
    return found


def recipients(due: Due) -> list[User]:
    """Those the due date names, else the protection managers; only active users who may see the case."""
    if due.deadline.recipients:
        users = User.objects.filter(pk__in=due.deadline.recipients)
    else:
        users = User.objects.filter(role=Role.PROTECTION_MANAGER)
    users = users.filter(is_active=True).exclude(email="").order_by("pk")
    return [u for u in users if policy.can(u, policy.Action.VIEW, "incident_case", due.case)]


def claim_key(key: str, now: dt.datetime, recipients: int) -> bool:
    """Take a reminder's key in ``ReminderSent``; False when another run already sent it."""
    try:
        with transaction.atomic():
            ReminderSent.objects.create(key=key, sent_at=now, recipients=recipients)
    except IntegrityError:
        return False
    return True


def send_due_reminders(today: dt.date | None = None) -> int:
    """Queue one e-mail per reminder due today that no run has sent yet; returns how many were queued."""
    sent = 0
    for due in due_reminders(today):
        sent += _send(due)
    return sent


def _send(due: Due) -> int:
    from mamori.jobs.services import enqueue

    users = recipients(due)
    if not users:
        return 0
    with transaction.atomic():
        # Claim first: the unique key decides which run sends it; the mail job commits with it or not at all.
        if not claim_key(due.key, timezone.now(), len(users)):
            return 0  # another run sent it
        subject, body = _message(due)
        enqueue(SYSTEM, "mail.send", subject=subject, body=body, recipients=[u.email for u in users])
        audit.record(
            SYSTEM,
            "reminder_sent",
            due.case,
            message=f"{due.key} → {', '.join(u.get_username() for u in users)}",
        )
    return 1


def _message(due: Due) -> tuple[str, str]:
    with translation.override(settings.LANGUAGE_CODE):
        deadline = due.deadline
        if due.days_left == 0:
            when = _("due today (%(date)s)") % {"date": deadline.due.isoformat()}
        else:
            when = _("due in %(days)d day(s) (%(date)s)") % {"days": due.days_left, "date": deadline.due.isoformat()}
        subject = _("[Mamori] %(title)s: %(when)s") % {"title": deadline.title, "when": when}
        lines = [
            _("Case: %(case)s") % {"case": due.case.title},
            _("Due: %(title)s, %(when)s") % {"title": deadline.title, "when": when},
        ]
        if deadline.earliest:
            lines.append(_("Earliest: %(date)s") % {"date": deadline.earliest.isoformat()})
        if deadline.basis:
            lines.append(_("Basis: %(basis)s") % {"basis": deadline.basis})
        link = deadline.url or f"/incidents/{due.case.pk}/"
        lines += ["", settings.SITE_URL.rstrip("/") + link]
    return subject, "\n".join(lines)


@task(TASK_NAME, max_attempts=1)
def remind(ctx: JobContext) -> dict[str, int]:
    """Send the reminders due today, and remind contractors of unacknowledged preservation notices (both safe to
    run any number of times: every reminder is keyed in ReminderSent)."""
    from mamori.contractors import manual
    from mamori.incidents import portal

    run = portal.remind_unacknowledged()
    manuals = manual.send_acknowledgement_reminders()  # the yearly re-acknowledgement of contractors' manuals
    return {
        "queued": send_due_reminders(),
        "notices_reminded": run.reminded,
        "notices_escalated": run.escalated,
        "manual_reminders": manuals,
    }


# The clock: queue the reminder task at most once per interval


def schedule_reminders(now: dt.datetime | None = None) -> bool:
    """Queue ``incidents.remind`` unless one was queued within the interval; True when it queued one."""
    from mamori.jobs.models import Job
    from mamori.jobs.services import enqueue

    interval = interval_seconds()
    if interval <= 0:
        return False
    now = now or timezone.now()
    with transaction.atomic():
        if Job.objects.filter(name=TASK_NAME, created_at__gt=now - dt.timedelta(seconds=interval)).exists():
            return False
        enqueue(SYSTEM, TASK_NAME)
    return True


_clock: threading.Thread | None = None
_clock_lock = threading.Lock()


@at_startup
def start_clock() -> None:
    """Start the clock thread of this process once (workers call this when they start).

    Not under a test run: tests call :func:`schedule_reminders` and :func:`send_due_reminders` themselves,
    and a thread waking an hour later would write into whichever test database is open then.
    """
    global _clock
    if interval_seconds() <= 0 or "PYTEST_CURRENT_TEST" in os.environ:
        return
    with _clock_lock:
        if _clock is None or not _clock.is_alive():
            _clock = threading.Thread(target=_tick_forever, name="mamori-reminder-clock", daemon=True)
            _clock.start()


def _tick_forever() -> None:
    stop = threading.Event()
    while True:
        try:
            schedule_reminders()
        except Exception:
            log.exception("incidents: queueing the reminder task failed")
        finally:
            close_old_connections()
        stop.wait(min(interval_seconds() or 3600, 3600) / 4)  # looks often; the job table keeps it to one per interval
