"""Scoping (影響範囲の特定): one run that computes who is affected, and the affected people it found.

A scoping reads a shop database (a data source, or a preserved copy from the evidence locker) and keeps only
the minimum needed to reach each person: identity, name, contact details, the number of orders and the first
and last order date in the exposure window. Never card data. A re-run is a new version; earlier versions are
superseded, never deleted (archived with a reason, like other evidence-like records).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Preset(models.TextChoices):
    ECCUBE2 = "eccube2", _("EC-CUBE 2.x")
    ECCUBE4 = "eccube4", _("EC-CUBE 4.x")
    GENERIC = "generic", _("Any schema (mapping)")


class ScopingStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Completed")
    FAILED = "failed", _("Failed")
    SUPERSEDED = "superseded", _("Superseded")


class Scoping(models.Model):
    """Scoping — 影響範囲の特定: one run (version) of the affected-people computation for a case."""

    case = models.ForeignKey(
        "incidents.IncidentCase", verbose_name=_("case"), on_delete=models.PROTECT, related_name="scopings"
    )
    version = models.PositiveIntegerField(_("version"))
    preset = models.CharField(_("preset"), max_length=16, choices=Preset.choices)
    # Table, date column, filters, identity expression, contact columns, payment ids: see scoping/mapping.py.
    mapping = models.JSONField(_("mapping"), default=dict, blank=True)
    window_from = models.DateField(_("window from"))
    window_to = models.DateField(_("window until"))
    source = models.ForeignKey(
        "discovery.DataSource",
        verbose_name=_("data source"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="scopings",
    )
    evidence = models.ForeignKey(
        "evidence.Evidence",
        verbose_name=_("preserved copy"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="scopings",
    )
    evidence_sha256 = models.CharField(_("SHA-256 of the preserved copy"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ScopingStatus.choices, default=ScopingStatus.QUEUED)
    people_count = models.PositiveIntegerField(_("affected people"), null=True, blank=True)
    orders_count = models.PositiveBigIntegerField(_("orders"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    # The error as its English msgid and values, so that the page says it in the reader's language (a job runs
    # without a request, hence without one); ``error`` keeps the English text for the API and logs.
    error_detail = models.JSONField(_("error details"), default=dict, blank=True)
    job = models.ForeignKey(
        "jobs.Job", verbose_name=_("job"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    archive_reason = models.TextField(_("reason for archiving"), blank=True)

    class Meta:
        verbose_name = _("scoping")
        verbose_name_plural = _("scopings")
        ordering = ["case", "-version"]
        constraints = [models.UniqueConstraint(fields=["case", "version"], name="scoping_case_version_unique")]

    def __str__(self) -> str:
        return f"{self.case} v{self.version}"

    @property
    def is_finished(self) -> bool:
        return self.status not in (ScopingStatus.QUEUED, ScopingStatus.RUNNING)

    @property
    def error_text(self) -> str:
        """The error in the reader's language where it was stored as a msgid, else as stored."""
        from django.utils.translation import gettext

        from mamori.scoping.mapping import told

        msgid = self.error_detail.get("msgid")
        if not msgid:
            return self.error
        try:
            return told(gettext, msgid, self.error_detail.get("params") or {})
        except (KeyError, TypeError, ValueError):  # a catalogue entry that lost a placeholder
            return self.error


class AffectedPerson(models.Model):
    """AffectedPerson — 影響を受けた本人: one person in a scoping's result. Never card data."""

    scoping = models.ForeignKey(Scoping, verbose_name=_("scoping"), on_delete=models.CASCADE, related_name="people")
    # "member:123" for a customer id, "email:<normalized address>" for guest orders.
    identity = models.CharField(_("identity"), max_length=320)
    member_id = models.CharField(_("member id"), max_length=64, blank=True)
    name = models.CharField(_("name"), max_length=300, blank=True)
    kana = models.CharField(_("name (kana)"), max_length=300, blank=True)
    email = models.CharField(_("e-mail"), max_length=320, blank=True)
    phone = models.CharField(_("phone"), max_length=64, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=600, blank=True)
    orders = models.PositiveIntegerField(_("orders in the window"), default=0)
    first_order_at = models.DateTimeField(_("first order"), null=True, blank=True)
    last_order_at = models.DateTimeField(_("last order"), null=True, blank=True)

    class Meta:
        verbose_name = _("affected person")
        verbose_name_plural = _("affected people")
        ordering = ["scoping", "pk"]
        constraints = [models.UniqueConstraint(fields=["scoping", "identity"], name="affected_person_identity_unique")]
        indexes = [models.Index(fields=["email"], name="affected_person_email")]

    def __str__(self) -> str:
        return self.identity
