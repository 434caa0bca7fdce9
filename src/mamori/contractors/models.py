"""Contractors (委託先): companies that handle personal data on the company's behalf."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.jp import cn as corporate_number


def validate_corporate_number(value: str) -> None:
    if value and not corporate_number.is_valid(value):
        raise ValidationError(_("Enter a valid 13-digit corporate number (法人番号)."))


class Contractor(models.Model):
    """A contractor (委託先). Its users see only the records that belong to it."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    corporate_number = models.CharField(
        _("corporate number"), max_length=13, blank=True, validators=[validate_corporate_number]
    )
    services = models.TextField(_("services entrusted"), blank=True)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    active = models.BooleanField(_("active"), default=True)
    # What the company declares beyond what the ledger says (e.g. a payment module that passes card data).
    handles_card_data = models.BooleanField(_("handles card data"), default=False)
    handles_special_care = models.BooleanField(_("handles special-care personal information"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("contractor")
        verbose_name_plural = _("contractors")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Archivable(models.Model):
    """Supervision records are evidence for the Privacy Mark review: archived with a reason, never deleted."""

    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True, editable=False)
    archive_reason = models.TextField(_("reason for archiving"), blank=True, editable=False)

    class Meta:
        abstract = True


class SelectionCriterion(models.Model):
    """One criterion of the selection checklist (委託先の選定基準) with its weight."""

    name = models.CharField(_("criterion"), max_length=200, unique=True)
    name_en = models.CharField(_("criterion (English)"), max_length=200, blank=True)
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("selection criterion")
        verbose_name_plural = _("selection criteria")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name


class SelectionEvaluation(Archivable):
    """An evaluation of a contractor against the criteria (委託先の選定・評価), approved by the protection manager."""

    contractor = models.ForeignKey(
        Contractor, verbose_name=_("contractor"), on_delete=models.PROTECT, related_name="evaluations"
    )
    evaluated_on = models.DateField(_("evaluated on"))
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("evaluator"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    pass_percent = models.PositiveSmallIntegerField(
        _("pass threshold (%)"), default=70, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    total_percent = models.PositiveSmallIntegerField(_("score (%)"), default=0, editable=False)
    notes = models.TextField(_("notes"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("selection evaluation")
        verbose_name_plural = _("selection evaluations")
        ordering = ["contractor_id", "-evaluated_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.contractor} {self.evaluated_on}"

    @property
    def passed(self) -> bool:
        return self.total_percent >= self.pass_percent


class SelectionScore(models.Model):
    evaluation = models.ForeignKey(SelectionEvaluation, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(SelectionCriterion, verbose_name=_("criterion"), on_delete=models.PROTECT)
    weight = models.PositiveSmallIntegerField(_("weight"))  # the weight when scored, so later edits change nothing
    score = models.PositiveSmallIntegerField(_("score"), validators=[MaxValueValidator(5)])
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["criterion__order", "criterion_id"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "criterion"], name="one_score_per_criterion")]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"


class Contract(Archivable):
    """A contract with a contractor (委託契約) and its checklist: items a–h and the incident clauses, each present
    or absent with the clause that covers it. ``checklist``: {item key: {"present": bool, "clause": "第12条"}}."""

    contractor = models.ForeignKey(
        Contractor, verbose_name=_("contractor"), on_delete=models.PROTECT, related_name="contracts"
    )
    title = models.CharField(_("title"), max_length=200)
    reference = models.CharField(_("contract number"), max_length=100, blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    starts_on = models.DateField(_("in force from"))
    ends_on = models.DateField(_("in force until"), null=True, blank=True)
    notice_hours = models.PositiveSmallIntegerField(
        _("incident notice within (hours)"), null=True, blank=True, validators=[MaxValueValidator(720)]
    )
    log_retention_days = models.PositiveSmallIntegerField(_("log retention (days)"), null=True, blank=True)
    checklist = models.JSONField(_("checklist"), default=dict, blank=True)
    document_location = models.CharField(_("where the signed copy is kept"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["contractor_id", "-starts_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.contractor} — {self.title}"

    def clean(self) -> None:
        if self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The end date is before the start date.")})

    def in_force(self, today: dt.date) -> bool:
        return self.archived_at is None and self.starts_on <= today and (self.ends_on is None or self.ends_on >= today)

    def item(self, key: str) -> tuple[bool, str]:
        value = self.checklist.get(key) or {}
        return bool(value.get("present")), str(value.get("clause", ""))


class SubContractor(Archivable):
    """A sub-contractor (再委託先) of a contractor; the client approves it before it handles any data."""

    contractor = models.ForeignKey(
        Contractor, verbose_name=_("contractor"), on_delete=models.PROTECT, related_name="subcontractors"
    )
    name = models.CharField(_("name"), max_length=200)
    services = models.TextField(_("services re-entrusted"), blank=True)
    data_handled = models.TextField(_("personal data handled"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("sub-contractor")
        verbose_name_plural = _("sub-contractors")
        ordering = ["contractor_id", "name", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.contractor})"


class ReviewResult(models.TextChoices):
    GOOD = "good", _("Satisfactory")
    IMPROVE = "improve", _("Needs improvement")
    UNACCEPTABLE = "unacceptable", _("Unacceptable")


class ContractorReview(Archivable):
    """A periodic review of a contractor (定期的な監督・評価): due on a date, done with a result."""

    contractor = models.ForeignKey(
        Contractor, verbose_name=_("contractor"), on_delete=models.PROTECT, related_name="reviews"
    )
    due_on = models.DateField(_("due on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    result = models.CharField(_("result"), max_length=20, choices=ReviewResult.choices, blank=True)
    findings = models.TextField(_("findings"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("contractor review")
        verbose_name_plural = _("contractor reviews")
        ordering = ["contractor_id", "due_on", "pk"]

    def __str__(self) -> str:
        return f"{self.contractor} {self.due_on}"

    def overdue(self, today: dt.date | None = None) -> bool:
        """Due today is not overdue; the day after is."""
        today = today or timezone.localdate()
        return self.done_on is None and self.archived_at is None and self.due_on < today


class ManualVersion(models.Model):
    """One generation of a contractor's joint incident manual (会社間の事故対応マニュアル): the files as handed
    out, with their SHA-256. A version is never changed nor deleted; a new generation is a new version."""

    contractor = models.ForeignKey(
        Contractor, verbose_name=_("contractor"), on_delete=models.PROTECT, related_name="manual_versions"
    )
    version = models.PositiveIntegerField(_("version"))
    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    generated_at = models.DateTimeField(_("generated at"))
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("generated by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    docx = models.BinaryField(_("DOCX"))
    docx_sha256 = models.CharField(_("DOCX SHA-256"), max_length=64)
    pdf = models.BinaryField(_("PDF"))
    pdf_sha256 = models.CharField(_("PDF SHA-256"), max_length=64)
    content_sha256 = models.CharField(_("content SHA-256"), max_length=64)  # of the text, to tell a changed manual

    class Meta:
        verbose_name = _("incident manual version")
        verbose_name_plural = _("incident manual versions")
        ordering = ["contractor_id", "-version"]
        constraints = [models.UniqueConstraint(fields=["contractor", "version"], name="one_manual_version_number")]

    def __str__(self) -> str:
        return f"{self.contractor} v{self.version}"


class ManualAcknowledgement(models.Model):
    """A contractor user confirms, through the portal, that its company has read and agrees to a manual version."""

    version = models.ForeignKey(
        ManualVersion, verbose_name=_("manual version"), on_delete=models.PROTECT, related_name="acknowledgements"
    )
    contractor = models.ForeignKey(Contractor, on_delete=models.PROTECT, related_name="+")
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("acknowledged by"), on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"))

    class Meta:
        verbose_name = _("manual acknowledgement")
        verbose_name_plural = _("manual acknowledgements")
        ordering = ["-acknowledged_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.version} {self.acknowledged_by}"
