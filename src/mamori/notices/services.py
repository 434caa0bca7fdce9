"""Notices to individuals (本人への通知): one function per state change, checked by the policy and audited.

Deliveries are the evidence that each person was notified: nothing here deletes one. A campaign is archived
with a reason; a delivery only moves forward (queued → sending → sent / failed / unknown → bounced) or is put
back in the queue by a person's decision (retry the failed ones; an unknown one not found in the server log).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.accounts import policy
from mamori.accounts.policy import Action, Actor
from mamori.audit import services as audit
from mamori.core import actions
from mamori.jobs import services as jobs
from mamori.jobs.models import FINISHED
from mamori.notices import compose, defaults, placeholders
from mamori.notices.models import Campaign, CampaignStatus, Channel, Delivery, DeliveryStatus, LanguageMode

if TYPE_CHECKING:
    from mamori.incidents.models import IncidentCase
    from mamori.scoping.models import AffectedPerson, Scoping

RESOURCE: Final = "notice"
TASK: Final = "notices.send"
# A delivery in one of these states may have reached the person: an earlier campaign's person is not sent again.
REACHED: Final = (DeliveryStatus.SENT, DeliveryStatus.SENDING, DeliveryStatus.UNKNOWN)
MAX_RATE_PER_MINUTE: Final = 100_000
MAX_BATCH: Final = 10_000


def current_scoping(case: IncidentCase) -> Scoping | None:
    from mamori.scoping.services import current_scoping as scoping_of

    return scoping_of(case)


# -- campaigns ---------------------------------------------------------------------------------------------


def create_campaign(
    actor: Actor,
    case: IncidentCase,
    *,
    channel: str,
    language_mode: str = LanguageMode.PER_PERSON,
    title: str = "",
    rate_per_minute: int = 600,
    batch_size: int = 100,
) -> Campaign:
    """A draft campaign for the case's current affected list, with the shipped texts and the items drafted from
    the case, and one delivery per person: ``queued``, or ``no_contact`` when the channel's details are missing."""
    policy.check(actor, Action.VIEW, "incident_case", case)
    policy.check(actor, Action.ADD, RESOURCE)
    scoping = current_scoping(case)
    if scoping is None:
        raise ValidationError(_("This case has no completed scoping yet: compute the affected people first."))
    if channel not in Channel.values:
        raise ValidationError(_("channel: choose e-mail or letter."))
    if language_mode not in LanguageMode.values:
        raise ValidationError(_("language: choose per person, Japanese or English."))
    _check_pace(rate_per_minute, batch_size)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            case=case,
            scoping=scoping,
            title=title.strip() or _default_title(channel),
            channel=channel,
            language_mode=language_mode,
            texts={lang: dict(text) for lang, text in defaults.TEMPLATES[channel].items()},
            facts=defaults.drafted_facts(case),
            rate_per_minute=rate_per_minute,
            batch_size=batch_size,
            created_by=None if policy.is_system(actor) else actor,
        )
        campaign.already_notified = _add_deliveries(campaign, scoping.people.order_by("pk"))
        campaign.save(update_fields=["already_notified"])
        audit.record(
            actor,
            "notice_campaign_created",
            campaign,
            changes={"channel": [None, channel], "scoping": [None, scoping.pk]},
        )
    return campaign


def _default_title(channel: str) -> str:
    if channel == Channel.EMAIL:
        return _("Notice by e-mail")
    return _("Notice by letter")


def _check_pace(rate_per_minute: int, batch_size: int) -> None:
    if not 1 <= int(rate_per_minute) <= MAX_RATE_PER_MINUTE:
        raise ValidationError(
            _("rate per minute: between 1 and %(max)d.") % {"max": MAX_RATE_PER_MINUTE}, code="bad_rate"
        )
    if not 1 <= int(batch_size) <= MAX_BATCH:
        raise ValidationError(_("batch size: between 1 and %(max)d.") % {"max": MAX_BATCH}, code="bad_batch")


def _add_deliveries(campaign: Campaign, people: Iterable[AffectedPerson]) -> int:
    """One delivery per person not reached already by this channel; returns how many were left out as reached."""
    reached = set(
        Delivery.objects.filter(
            campaign__case_id=campaign.case_id, campaign__channel=campaign.channel, status__in=REACHED
        ).values_list("person__identity", flat=True)
    )
    now = timezone.now()
    batch: list[Delivery] = []
    skipped = 0
    for person in people.iterator(chunk_size=2000) if hasattr(people, "iterator") else people:
        if person.identity in reached:
            skipped += 1
            continue
        address = _email_of(person) if campaign.channel == Channel.EMAIL else ""
        reachable = bool(address) if campaign.channel == Channel.EMAIL else has_postal_address(person)
        batch.append(
            Delivery(
                campaign=campaign,
                person=person,
                language=compose.language_for(campaign, person),
                address=address,
                status=DeliveryStatus.QUEUED if reachable else DeliveryStatus.NO_CONTACT,
                message_id=compose.new_message_id(),
                queued_at=now,
                updated_at=now,
            )
        )
        if len(batch) >= 1000:
            Delivery.objects.bulk_create(batch)
            batch = []
    Delivery.objects.bulk_create(batch)
    return skipped


def _email_of(person: AffectedPerson) -> str:
    address = (person.email or "").strip()
    try:
        validate_email(address)
    except ValidationError:
        return ""
    return address


def has_postal_address(person: AffectedPerson) -> bool:
    return bool((person.address or "").strip())


def update_campaign(actor: Actor, campaign: Campaign, data: Mapping[str, Any]) -> Campaign:
    """Change the texts, the notice items, the title or the pace. Texts are checked against the allowed items;
    once sending has started the texts and items are fixed (what people received must stay what is stored)."""
    policy.check(actor, Action.CHANGE, RESOURCE, campaign)
    campaign.refresh_from_db()  # the status decides what may change: read it as it is now, not as the caller saw it
    _not_archived(campaign)
    started = campaign.status != CampaignStatus.DRAFT
    if started and ({"texts", "facts", "language_mode"} & set(data)):
        raise ValidationError(_("Sending has started: the texts can no longer change."), code="started")
    texts = data.get("texts", campaign.texts)
    placeholders.check_texts(texts, list(defaults.LANGS))
    _check_pace(
        int(data.get("rate_per_minute", campaign.rate_per_minute)), int(data.get("batch_size", campaign.batch_size))
    )
    with transaction.atomic():
        before = audit.snapshot(campaign)
        for name in ("title", "texts", "facts", "rate_per_minute", "batch_size"):
            if name in data:
                setattr(campaign, name, data[name])
        campaign.save()
        audit.record_update(actor, campaign, before)
    return campaign


def missing_items(campaign: Campaign) -> list[str]:
    """The notice items still empty or holding the report's "to be filled in" mark, as "lang/item"."""
    marks = defaults.placeholder_marks()
    missing = []
    for lang in languages_needed(campaign):
        facts = (campaign.facts or {}).get(lang) or {}
        for name in placeholders.FACTS:
            value = str(facts.get(name, ""))
            if not value.strip() or any(mark in value for mark in marks):
                missing.append(f"{lang}/{name}")
    return missing


def languages_needed(campaign: Campaign) -> list[str]:
    if campaign.language_mode == LanguageMode.PER_PERSON:
        used = set(campaign.deliveries.values_list("language", flat=True).distinct())
        return [lang for lang in defaults.LANGS if lang in used] or ["ja"]
    return [str(campaign.language_mode)]


def start_sending(actor: Actor, campaign: Campaign) -> Campaign:
    """Start (or resume) sending the queued e-mail in the background; refused while any item is unfilled."""
    policy.check(actor, Action.CHANGE, RESOURCE, campaign)
    _not_archived(campaign)
    if campaign.channel != Channel.EMAIL:
        raise ValidationError(_("Letters are printed and posted, not sent from here."), code="letter")
    placeholders.check_texts(campaign.texts, languages_needed(campaign))
    missing = missing_items(campaign)
    if missing:
        raise ValidationError(
            _("Fill in these notice items first: %(items)s.") % {"items": ", ".join(missing)}, code="unfilled"
        )
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.job is not None and locked.job.status not in FINISHED:
            return locked  # already on its way; a second job would only wait for the first one's claims
        now = timezone.now()
        locked.status = CampaignStatus.SENDING
        locked.started_at = locked.started_at or now
        locked.finished_at = None
        locked.last_error = ""
        locked.job = jobs.submit(actor, TASK, {"campaign_id": locked.pk})
        locked.save()
        audit.record(actor, "notice_sending_started", locked, changes={"status": [campaign.status, locked.status]})
    return locked


def pause_sending(actor: Actor, campaign: Campaign) -> Campaign:
    """Stop after the message being sent; the queued ones wait until sending is started again."""
    policy.check(actor, Action.CHANGE, RESOURCE, campaign)
    with transaction.atomic():
        updated = Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.SENDING).update(
            status=CampaignStatus.PAUSED
        )
        if not updated:
            raise ValidationError(_("This campaign is not sending."), code="not_sending")
        campaign.refresh_from_db()
        audit.record(actor, "notice_sending_paused", campaign)
    return campaign


def retry_failed(actor: Actor, campaign: Campaign) -> int:
    """Queue the failed deliveries again (only those: the server said no, so none of them reached anybody) and
    start sending. Unknown ones are not touched: each needs a person's check first."""
    policy.check(actor, Action.CHANGE, RESOURCE, campaign)
    _not_archived(campaign)
    with transaction.atomic():
        now = timezone.now()
        count = Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.FAILED).update(
            status=DeliveryStatus.QUEUED, updated_at=now
        )
        audit.record(actor, "notice_failed_retried", campaign, changes={"requeued": [None, count]})
    if count and campaign.channel == Channel.EMAIL:
        start_sending(actor, campaign)
    return count


def settle_unknown(actor: Actor, delivery: Delivery, *, was_sent: bool, note: str) -> Delivery:
    """A person checked the mail server's log for an unknown delivery's Message-ID: sent, or send it again."""
    policy.check(actor, Action.CHANGE, RESOURCE, delivery.campaign)
    if not note.strip():
        raise ValidationError(_("Say what you checked (e.g. the mail server log line)."), code="no_note")
    new = DeliveryStatus.SENT if was_sent else DeliveryStatus.QUEUED
    with transaction.atomic():
        now = timezone.now()
        changes: dict[str, Any] = {"status": new, "updated_at": now, "note": _append(delivery.note, note, now)}
        if was_sent:
            changes["sent_at"] = delivery.claimed_at or now
        if not Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.UNKNOWN).update(**changes):
            raise ValidationError(_("Only a delivery whose outcome is unknown can be settled."), code="not_unknown")
        delivery.refresh_from_db()
        audit.record(actor, "notice_unknown_settled", delivery, changes={"status": [DeliveryStatus.UNKNOWN, new]})
    return delivery


def _append(old: str, text: str, now: dt.datetime) -> str:
    line = f"{timezone.localtime(now):%Y-%m-%d %H:%M} {text.strip()}"
    return f"{old}\n{line}".strip()[:4000]


# -- bounces and returned letters --------------------------------------------------------------------------


def mark_bounced(actor: Actor, delivery: Delivery, reason: str) -> Delivery:
    """A sent e-mail came back, or a posted letter was returned (宛先不明): the person was not reached."""
    policy.check(actor, Action.CHANGE, RESOURCE, delivery.campaign)
    with transaction.atomic():
        now = timezone.now()
        done = Delivery.objects.filter(pk=delivery.pk, status__in=[DeliveryStatus.SENT, DeliveryStatus.UNKNOWN]).update(
            status=DeliveryStatus.BOUNCED,
            bounced_at=now,
            note=_append(delivery.note, reason or _("bounced"), now),
            updated_at=now,
        )
        if not done:
            raise ValidationError(_("Only a sent notice can bounce."), code="not_sent")
        delivery.refresh_from_db()
        audit.record(actor, "notice_bounce_recorded", delivery, message=reason[:300])
    return delivery


@dataclass(frozen=True)
class BounceImport:
    bounced: int
    not_found: list[str]  # addresses or Message-IDs that match no sent delivery of the campaign


def import_bounces(actor: Actor, campaign: Campaign, entries: list[tuple[str, str]]) -> BounceImport:
    """Mark bounced the sent deliveries named by e-mail address or Message-ID (``(key, reason)`` pairs, from a
    list or parsed DSNs). Keys that match nothing are reported back, not guessed at."""
    policy.check(actor, Action.CHANGE, RESOURCE, campaign)
    bounced = 0
    not_found: list[str] = []
    with transaction.atomic():
        now = timezone.now()
        for key, reason in entries:
            rows = Delivery.objects.filter(campaign=campaign, status__in=[DeliveryStatus.SENT, DeliveryStatus.UNKNOWN])
            rows = rows.filter(message_id=key) if key.startswith("<") else rows.filter(address__iexact=key)
            count = rows.update(
                status=DeliveryStatus.BOUNCED, bounced_at=now, server_reply=reason[:500], updated_at=now
            )
            if count:
                bounced += count
            elif (
                not Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.BOUNCED)
                .filter(**({"message_id": key} if key.startswith("<") else {"address__iexact": key}))
                .exists()
            ):
                not_found.append(key)
        audit.record(
            actor,
            "notice_bounces_imported",
            campaign,
            changes={"bounced": [None, bounced], "unmatched": [None, len(not_found)]},
        )
    return BounceImport(bounced, not_found)


# -- letters -----------------------------------------------------------------------------------------------


def record_posting(actor: Actor, campaign: Campaign, posted_on: dt.date) -> int:
    """The printed letters were handed to the post: every queued letter of the campaign is sent on that day."""
    policy.check(actor, Action.CHANGE, RESOURCE, campaign)
    _not_archived(campaign)
    if campaign.channel != Channel.LETTER:
        raise ValidationError(_("Only letters are posted."), code="not_letter")
    if posted_on > timezone.localdate():
        raise ValidationError(_("posted on: the date is in the future."), code="future")
    when = timezone.make_aware(dt.datetime.combine(posted_on, dt.time(12, 0)))
    with transaction.atomic():
        count = Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.QUEUED).update(
            status=DeliveryStatus.SENT, sent_at=when, server_reply=_("posted"), updated_at=timezone.now()
        )
        Campaign.objects.filter(pk=campaign.pk).update(
            status=CampaignStatus.DONE, started_at=campaign.started_at or when, finished_at=timezone.now()
        )
        campaign.refresh_from_db()
        audit.record(
            actor, "notice_letters_posted", campaign, changes={"posted": [None, count]}, message=str(posted_on)
        )
    return count


def archive_campaign(actor: Actor, campaign: Campaign, reason: str) -> Campaign:
    """Archive instead of delete: the deliveries stay as evidence of who was notified."""
    return actions.archive_record(
        actor,
        RESOURCE,
        campaign,
        reason,
        audit_action="notice_campaign_archived",
        no_reason=_("Give a reason for archiving."),
        already=_("This campaign is already archived."),
        refuse=_not_sending,
    )


def _not_sending(campaign: Campaign) -> None:
    if campaign.status == CampaignStatus.SENDING:
        raise ValidationError(_("Pause sending before archiving."), code="sending")


def _not_archived(campaign: Campaign) -> None:
    if campaign.archived_at is not None:
        raise ValidationError(_("This campaign is archived."), code="archived")


# -- reads ------------------------------------------------------------------------------------------------


def record_read(actor: Actor, campaign: Campaign, what: str, count: int) -> None:
    """Audit a read of people's data (the status table, a preview, an export): who looked at whose notices."""
    audit.record(actor, "notice_read", campaign, message=f"{what} ({count})")


def preview(actor: Actor, delivery: Delivery) -> tuple[str, str]:
    """One person's notice as it is (or was) sent; the read is audited."""
    policy.check(actor, Action.VIEW, RESOURCE, delivery.campaign)
    subject, body = compose.render(delivery.campaign, delivery.person, delivery.language)
    with transaction.atomic():
        audit.record(actor, "notice_previewed", delivery)
    return subject, body


@dataclass(frozen=True)
class Totals:
    total: int
    counts: dict[str, int]
    first_sent: dt.datetime | None
    last_sent: dt.datetime | None

    def get(self, status: str) -> int:
        return self.counts.get(status, 0)

    @property
    def done(self) -> int:
        """Deliveries with an outcome (anything but queued and being sent)."""
        return self.total - self.get(DeliveryStatus.QUEUED) - self.get(DeliveryStatus.SENDING)

    @property
    def percent(self) -> int:
        return 100 if not self.total else self.done * 100 // self.total


def totals(campaign: Campaign) -> Totals:
    rows = Delivery.objects.filter(campaign=campaign)
    counts = {row["status"]: row["n"] for row in rows.values("status").annotate(n=Count("pk")).order_by()}
    times = rows.filter(sent_at__isnull=False).aggregate(first=Min("sent_at"), last=Max("sent_at"))
    return Totals(sum(counts.values()), counts, times["first"], times["last"])


def report_lines(case: IncidentCase, lang: str) -> list[str]:
    """Item 6 of the PPC report (本人への対応の実施状況): one line per campaign with its totals, in ``lang``."""
    from django.utils import translation

    lines: list[str] = []
    with translation.override(lang):
        for campaign in Campaign.objects.filter(case=case, archived_at__isnull=True).order_by("created_at"):
            t = totals(campaign)
            values = {
                "channel": campaign.get_channel_display(),
                "total": t.total,
                "sent": t.get(DeliveryStatus.SENT),
                "bounced": t.get(DeliveryStatus.BOUNCED),
                "failed": t.get(DeliveryStatus.FAILED),
                "unknown": t.get(DeliveryStatus.UNKNOWN),
                "queued": t.get(DeliveryStatus.QUEUED) + t.get(DeliveryStatus.SENDING),
                "none": t.get(DeliveryStatus.NO_CONTACT),
                "first": _day(t.first_sent),
                "last": _day(t.last_sent),
            }
            lines.append(
                _(
                    "Notice by %(channel)s: %(total)d people; sent %(sent)d (%(first)s – %(last)s), "
                    "bounced %(bounced)d, failed %(failed)d, unknown %(unknown)d, not yet sent %(queued)d, "
                    "no contact details %(none)d "
                    "(substitute measure: public notice or inquiry desk)."
                )
                % values
            )
    return lines


def _day(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d") if value else "-"


def no_contact(campaign: Campaign) -> Any:
    """The people this campaign cannot reach (for the substitute measure: 公表 / 問い合わせ窓口)."""
    return (
        Delivery.objects.filter(campaign=campaign, status__in=[DeliveryStatus.NO_CONTACT, DeliveryStatus.BOUNCED])
        .select_related("person")
        .order_by("pk")
    )
