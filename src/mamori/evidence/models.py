"""The evidence locker (証拠保管庫): files and preservation records of incident cases, with chain of custody.

Evidence is never deleted and never replaced: a row, once written, keeps its name, hash and size for good.
The only state change is the recorded destruction of a preserved copy after its case's hold was released
(the stored file goes, the row stays with who destroyed it, when and why). Every look at and every move of a
piece of evidence is one ``CustodyEvent`` (保管の記録), written with its audit entry in one transaction
(``services.py``). The files themselves live content-addressed under ``MAMORI_DATA_DIR/evidence/``
(``storage.py``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EvidenceKind(models.TextChoices):
    UPLOAD = "upload", _("Uploaded file")
    PRESERVED_COPY = "preserved_copy", _("Preserved copy")
    PRESERVATION_RECORD = "preservation_record", _("Preservation record")


class Evidence(models.Model):
    """One piece of evidence of a case: a file in the locker, or a record of evidence kept elsewhere
    (e.g. a disk image at the contractor's) with the hash its holder reported."""

    Kind = EvidenceKind

    case = models.ForeignKey(
        "incidents.IncidentCase", verbose_name=_("case"), on_delete=models.PROTECT, related_name="evidence"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EvidenceKind.choices)
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    # Of the plaintext, in hex. For a preservation record: the hash its holder reported (may be empty).
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.BigIntegerField(_("size (bytes)"), null=True, blank=True)
    # Where the file is in the locker (content-addressed: the hash); empty for preservation records.
    blob_name = models.CharField(_("stored file"), max_length=100, blank=True, editable=False)
    encrypted = models.BooleanField(_("encrypted at rest"), default=False)
    media_type = models.CharField(_("media type"), max_length=100, blank=True)
    # Preservation records: where the evidence is and who holds it.
    location = models.CharField(_("where it is kept"), max_length=300, blank=True)
    held_by = models.CharField(_("held by"), max_length=200, blank=True)
    source = models.ForeignKey(
        "discovery.DataSource",
        verbose_name=_("data source"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evidence",
    )
    # What a preserved copy holds (files, tables, counts), as its preservation job described it.
    manifest = models.JSONField(_("contents"), default=dict, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)
    destroyed_at = models.DateTimeField(_("destroyed at"), null=True, blank=True)
    destroyed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("destroyed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    destroy_reason = models.TextField(_("reason for destruction"), blank=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["case_id", "-created_at", "-pk"]
        indexes = [models.Index(fields=["blob_name"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_destroyed(self) -> bool:
        return self.destroyed_at is not None

    @property
    def has_file(self) -> bool:
        return bool(self.blob_name) and not self.is_destroyed

    @property
    def is_preserved_copy(self) -> bool:
        return self.kind == EvidenceKind.PRESERVED_COPY


class CustodyAction(models.TextChoices):
    UPLOADED = "uploaded", _("Added")
    VIEWED = "viewed", _("Viewed")
    DOWNLOADED = "downloaded", _("Downloaded")
    EXPORTED = "exported", _("Exported")
    TRANSFERRED = "transferred", _("Transferred")
    VERIFIED = "verified", _("Verified")
    DESTROYED = "destroyed", _("Destroyed")
    HOLD_PLACED = "hold_placed", _("Legal hold placed")
    HOLD_RELEASED = "hold_released", _("Legal hold released")


class CustodyEvent(models.Model):
    """One link of the chain of custody (保管の連鎖): who did what to a piece of evidence, when, why, from where,
    and the hash it had at that moment. Written only through ``services.custody``, with its audit entry."""

    Action = CustodyAction

    evidence = models.ForeignKey(
        Evidence, verbose_name=_("evidence"), on_delete=models.PROTECT, related_name="custody_events"
    )
    action = models.CharField(_("action"), max_length=20, choices=CustodyAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(_("by"), max_length=150)  # "system" for the console and jobs
    at = models.DateTimeField(_("at"))
    reason = models.TextField(_("reason"), blank=True)
    sha256 = models.CharField(_("SHA-256 at that moment"), max_length=64, blank=True)
    ip_address = models.CharField(_("from"), max_length=64, blank=True)
    via = models.CharField(_("via"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("custody event")
        verbose_name_plural = _("custody events")
        ordering = ["evidence_id", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.evidence_id} {self.action} {self.at:%Y-%m-%d %H:%M}"
