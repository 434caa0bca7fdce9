"""JIS Q 15001 requirements (要求事項) as records: what the catalogue file says, and what the company says about each.

The catalogue fields (key, numbers, titles, guidance) come from ``pms/data/controls.json`` and are updated by
``mamori pms load-controls``; the management fields (owner, status, note, evidence) belong to the company and a
catalogue update never touches them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class ControlStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")  # 未着手
    IN_PROGRESS = "in_progress", _("Being implemented")  # 整備中
    IMPLEMENTED = "implemented", _("Implemented")  # 運用中
    NOT_APPLICABLE = "not_applicable", _("Not applicable")  # 適用外


class Mapping2017(models.TextChoices):
    """How sure the link to the 2017 Annex A number is: the reference confirms only a few."""

    CONFIRMED = "confirmed", _("Confirmed")
    BY_TITLE = "by_title", _("Same subject; number not confirmed")
    NONE = "none", _("No 2017 counterpart known")


class Control(models.Model):
    """One requirement of JIS Q 15001:2023 as JIPDEC's guideline numbers it (J.x) — 要求事項."""

    key = models.SlugField(_("key"), max_length=60, unique=True)
    code = models.CharField(_("number (J.x)"), max_length=20, blank=True)
    number_confirmed = models.BooleanField(_("number confirmed"), default=True)
    group = models.CharField(_("chapter"), max_length=10)
    title_ja = models.CharField(_("title (Japanese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    guidance_ja = models.TextField(_("what a reviewer looks for (Japanese)"), blank=True)
    guidance_en = models.TextField(_("what a reviewer looks for (English)"), blank=True)
    a2017 = models.CharField(_("JIS Q 15001:2017 number"), max_length=40, blank=True)
    a2017_mapping = models.CharField(
        _("link to the 2017 number"), max_length=10, choices=Mapping2017.choices, default=Mapping2017.NONE
    )
    evidence_sources = models.JSONField(_("records Mamori checks"), default=list, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    retired_at = models.DateTimeField(_("no longer in the catalogue since"), null=True, blank=True)
    # What the company says about it.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ControlStatus.choices, default=ControlStatus.NOT_STARTED
    )
    note = models.TextField(_("note"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated"), null=True, blank=True)

    class Meta:
        verbose_name = _("JIS Q 15001 requirement")
        verbose_name_plural = _("JIS Q 15001 requirements")
        ordering = ["order", "key"]

    def __str__(self) -> str:
        return f"{self.code or '—'} {self.title}"

    @property
    def title(self) -> str:
        return self.title_en if (get_language() or "ja")[:2] == "en" else self.title_ja

    @property
    def guidance(self) -> str:
        return self.guidance_en if (get_language() or "ja")[:2] == "en" else self.guidance_ja

    @property
    def applicable(self) -> bool:
        return self.status != ControlStatus.NOT_APPLICABLE and self.retired_at is None


class ControlEvidence(models.Model):
    """A document or record that shows a requirement is met (証跡): a rule, minutes, a report, a page in Mamori."""

    control = models.ForeignKey(
        Control, verbose_name=_("requirement"), on_delete=models.PROTECT, related_name="evidence"
    )
    label = models.CharField(_("what it is"), max_length=200)
    reference = models.CharField(_("where it is (link or document number)"), max_length=500, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    archive_reason = models.TextField(_("reason for archiving"), blank=True)

    class Meta:
        verbose_name = _("requirement evidence")
        verbose_name_plural = _("requirement evidence")
        ordering = ["control_id", "added_at", "pk"]

    def __str__(self) -> str:
        return self.label
