"""Notices to individuals (本人への通知): a campaign per case and one delivery per affected person.

A delivery is the evidence that a person was notified (or why they could not be): it is never deleted. Its
state moves only forward through conditional UPDATEs (see ``sending.py``), so a message is handed to the mail
server at most once, whatever crashes or restarts happen in between.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    LETTER = "letter", _("Letter")


class LanguageMode(models.TextChoices):
    PER_PERSON = "person", _("Per person (Japanese unless the name is written in Latin letters only)")
    JA = "ja", _("Japanese for everyone")
    EN = "en", _("English for everyone")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENDING = "sending", _("Sending")
    PAUSED = "paused", _("Paused")
    DONE = "done", _("Done")


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    BOUNCED = "bounced", _("Bounced")
    FAILED = "failed", _("Failed")
    UNKNOWN = "unknown", _("Unknown — check before resending")
    NO_CONTACT = "no_contact", _("No contact details")


class Campaign(models.Model):
    """Campaign — 通知の一斉送付: the notice of one case sent to the people of one scoping, by one channel."""

    case = models.ForeignKey(
        "incidents.IncidentCase", verbose_name=_("case"), on_delete=models.PROTECT, related_name="notice_campaigns"
    )
    scoping = models.ForeignKey(
        "scoping.Scoping", verbose_name=_("scoping"), on_delete=models.PROTECT, related_name="notice_campaigns"
    )
    title = models.CharField(_("title"), max_length=200)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, default=Channel.EMAIL)
    language_mode = models.CharField(
        _("language"), max_length=8, choices=LanguageMode.choices, default=LanguageMode.PER_PERSON
    )
    # {"ja": {"subject": ..., "body": ...}, "en": {...}}: the template, placeholders checked by placeholders.py.
    texts = models.JSONField(_("texts"), default=dict)
    # {"ja": {"summary": ..., "data_items": ..., ...}, "en": {...}}: the values of the case-level placeholders.
    facts = models.JSONField(_("notice items"), default=dict)
    rate_per_minute = models.PositiveIntegerField(_("messages per minute"), default=600)
    batch_size = models.PositiveIntegerField(_("batch size"), default=100)
    status = models.CharField(_("status"), max_length=8, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    # People of the scoping already notified by this channel in an earlier campaign of the case: not again.
    already_notified = models.PositiveIntegerField(_("already notified earlier"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    job = models.ForeignKey(
        "jobs.Job", verbose_name=_("job"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    archive_reason = models.TextField(_("reason for archiving"), blank=True)

    class Meta:
        verbose_name = _("notice campaign")
        verbose_name_plural = _("notice campaigns")
        ordering = ["case", "-created_at"]

    def __str__(self) -> str:
        return self.title


class Delivery(models.Model):
    """Delivery — 本人ごとの送付記録: one person's notice, its state and proof (Message-ID, times, server reply)."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="deliveries"
    )
    person = models.ForeignKey(
        "scoping.AffectedPerson", verbose_name=_("person"), on_delete=models.PROTECT, related_name="notice_deliveries"
    )
    language = models.CharField(_("language"), max_length=2, default="ja")
    # What was used, as it was at the time (the affected list may be corrected later as a new version).
    address = models.CharField(_("e-mail address"), max_length=320, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED, db_index=True
    )
    # Fixed when the delivery is created, the same on every attempt: the mail server's log and a bounce name it.
    message_id = models.CharField(_("Message-ID"), max_length=200, unique=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    lease_owner = models.CharField(_("sender"), max_length=200, blank=True)
    lease_expires_at = models.DateTimeField(_("claim expires at"), null=True, blank=True)
    queued_at = models.DateTimeField(_("queued"), default=timezone.now)
    claimed_at = models.DateTimeField(_("handed to the mail server at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    bounced_at = models.DateTimeField(_("bounced"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed"), null=True, blank=True)
    server_reply = models.CharField(_("server reply"), max_length=500, blank=True)
    note = models.TextField(_("note"), blank=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("notice delivery")
        verbose_name_plural = _("notice deliveries")
        ordering = ["campaign", "pk"]
        constraints = [models.UniqueConstraint(fields=["campaign", "person"], name="notice_delivery_once_per_person")]
        indexes = [models.Index(fields=["campaign", "status"], name="notice_delivery_state")]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.person_id} {self.status}"
