"""The background job that sends a campaign's e-mail (通知メールの送信ジョブ)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from mamori.accounts.policy import SYSTEM
from mamori.audit import services as audit
from mamori.jobs.context import JobContext
from mamori.jobs.registry import at_startup, task
from mamori.notices import sending
from mamori.notices.models import Campaign, CampaignStatus


def _ended(args: Mapping[str, Any], reason: str) -> None:
    """The job gave up (the mail server stayed unreachable): the campaign pauses with the reason."""
    Campaign.objects.filter(pk=int(args.get("campaign_id") or 0), status=CampaignStatus.SENDING).update(
        status=CampaignStatus.PAUSED, last_error=reason[:2000]
    )


@task("notices.send", max_attempts=5, on_failure=_ended)
def send(ctx: JobContext, *, campaign_id: int) -> dict[str, Any]:
    """Send the campaign's queued e-mail at its pace; an unreachable server fails the attempt (retried later)."""

    def stop() -> bool:
        return ctx.stopping.is_set() or ctx.lease_lost.is_set()

    def progress(campaign: Campaign) -> None:
        from mamori.notices.services import totals

        t = totals(campaign)
        ctx.progress(t.percent, _("%(done)d of %(total)d notices handled") % {"done": t.done, "total": t.total})

    result = sending.run(campaign_id, ctx.owner, should_stop=stop, on_batch=progress)
    ctx.check()  # a shutdown in the middle hands the job back to the queue instead of ending it
    if result.finished:
        with transaction.atomic():
            campaign = Campaign.objects.get(pk=campaign_id)
            audit.record(SYSTEM, "notice_sending_finished", campaign, changes={"sent": [None, result.sent]})
    return result.as_dict()


@at_startup
def settle_abandoned_deliveries() -> None:
    """At worker start: messages a dead sender of this machine was handing over become "unknown"."""
    sending.settle_abandoned()
