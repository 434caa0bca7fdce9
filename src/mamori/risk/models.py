"""Risk assessment (リスクアセスメント): the risk sheet rows, the matrix that scores them, the safety-measure
catalogue, and nonconformities (不適合) found by reconciliation, audits or incidents.

Risks store likelihood and impact only; score and band are derived from the active matrix when shown, so
changing the matrix re-bands every risk without rewriting them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.risk import catalogue


class Stage(models.TextChoices):
    """The lifecycle stages of the risk sheet, in the order the sheet lists them."""

    ACQUIRE = "acquire", _("Acquire / input (取得・入力)")
    TRANSFER = "transfer", _("Transfer / send (移送・送信)")
    USE = "use", _("Use / process (利用・加工)")
    STORE = "store", _("Store / back up (保管・バックアップ)")
    DISPOSE = "dispose", _("Erase / dispose (消去・廃棄)")


STAGE_ORDER = {value: index for index, value in enumerate(Stage.values)}
STAGE_JA: dict[str, str] = {
    Stage.ACQUIRE: "取得・入力",
    Stage.TRANSFER: "移送・送信",
    Stage.USE: "利用・加工",
    Stage.STORE: "保管・バックアップ",
    Stage.DISPOSE: "消去・廃棄",
}


class Band(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Treatment(models.TextChoices):
    REDUCE = "reduce", _("Reduce (低減)")
    AVOID = "avoid", _("Avoid (回避)")
    TRANSFER = "transfer", _("Transfer (移転)")
    ACCEPT = "accept", _("Accept (受容)")


class RiskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    TREATING = "treating", _("Being treated")
    ACCEPTED = "accepted", _("Accepted")
    CLOSED = "closed", _("Closed")


MAX_LEVELS = 9


def _default_labels(axis: str) -> list[dict[str, str]]:
    return list(catalogue.default_matrix()[axis])


def default_likelihood_labels() -> list[dict[str, str]]:
    return _default_labels("likelihood")


def default_impact_labels() -> list[dict[str, str]]:
    return _default_labels("impact")


@dataclass(frozen=True)
class Score:
    likelihood: int
    impact: int
    value: int
    band: str

    @property
    def band_label(self) -> str:
        return str(Band(self.band).label)

    @property
    def status_class(self) -> str:
        """The stylesheet's status colour for this band."""
        return BAND_STATUS_CLASS[self.band]


BAND_STATUS_CLASS: dict[str, str] = {Band.LOW: "status-ok", Band.MEDIUM: "status-contained", Band.HIGH: "status-alert"}


class RiskMatrix(models.Model):
    """How risks are scored: levels of likelihood and impact, score = L × I, bands by score.

    There is one matrix (pk 1); ``RiskMatrix.current()`` makes it from the shipped default the first time.
    ``tolerance`` is the highest score the organisation accepts without treatment.
    """

    name = models.CharField(_("name"), max_length=100)
    likelihood_labels = models.JSONField(_("likelihood levels"), default=default_likelihood_labels)
    impact_labels = models.JSONField(_("impact levels"), default=default_impact_labels)
    medium_from = models.PositiveSmallIntegerField(_("medium band from score"))
    high_from = models.PositiveSmallIntegerField(_("high band from score"))
    tolerance = models.PositiveSmallIntegerField(
        _("tolerance"), help_text=_("Risks that score above this need treatment or a reason to accept them.")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("risk matrix")
        verbose_name_plural = _("risk matrices")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> RiskMatrix:
        default = catalogue.default_matrix()
        matrix, _created = cls.objects.get_or_create(
            pk=1,
            defaults={
                "name": default["name"],
                "likelihood_labels": default["likelihood"],
                "impact_labels": default["impact"],
                "medium_from": default["medium_from"],
                "high_from": default["high_from"],
                "tolerance": default["tolerance"],
            },
        )
        return matrix

    @property
    def likelihood_levels(self) -> int:
        return len(self.likelihood_labels)

    @property
    def impact_levels(self) -> int:
        return len(self.impact_labels)

    @property
    def max_score(self) -> int:
        return self.likelihood_levels * self.impact_levels

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        for field in ("likelihood_labels", "impact_labels"):
            labels = getattr(self, field)
            if not isinstance(labels, list) or not 2 <= len(labels) <= MAX_LEVELS:
                errors[field] = _("Give between 2 and %(max)d levels.") % {"max": MAX_LEVELS}
            elif not all(isinstance(x, dict) and (x.get("ja") or x.get("en")) for x in labels):
                errors[field] = _("Every level needs a label.")
        if errors:
            raise ValidationError(errors)
        if not 1 <= self.medium_from < self.high_from <= self.max_score:
            errors["high_from"] = _("Bands must rise: 1 ≤ medium from < high from ≤ %(max)d (the highest score).") % {
                "max": self.max_score
            }
        if self.tolerance is None or not 1 <= self.tolerance <= self.max_score:
            errors["tolerance"] = _("The tolerance must be a score between 1 and %(max)d.") % {"max": self.max_score}
        if errors:
            raise ValidationError(errors)

    def band_of(self, value: int) -> str:
        if value >= self.high_from:
            return Band.HIGH
        if value >= self.medium_from:
            return Band.MEDIUM
        return Band.LOW

    def score(self, likelihood: int | None, impact: int | None) -> Score | None:
        """The score of a pair of levels, or None while either is not assessed."""
        if not likelihood or not impact:
            return None
        value = likelihood * impact
        return Score(likelihood, impact, value, self.band_of(value))

    def needs_treatment(self, score: Score | None) -> bool:
        return score is not None and score.value > self.tolerance

    def likelihood_label(self, level: int | None) -> str:
        return _level_label(self.likelihood_labels, level)

    def impact_label(self, level: int | None) -> str:
        return _level_label(self.impact_labels, level)

    def likelihood_choices(self) -> list[tuple[int, str]]:
        return [(i, f"{i}: {catalogue.label(x)}") for i, x in enumerate(self.likelihood_labels, start=1)]

    def impact_choices(self) -> list[tuple[int, str]]:
        return [(i, f"{i}: {catalogue.label(x)}") for i, x in enumerate(self.impact_labels, start=1)]


def _level_label(labels: list[dict[str, str]], level: int | None) -> str:
    if not level or level > len(labels):
        return ""
    return catalogue.label(labels[level - 1])


class SafetyMeasure(models.Model):
    """One item of the safety-measure catalogue (安全管理措置, PPC guideline 10-1 … 10-7)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    category = models.CharField(_("category"), max_length=30)
    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        verbose_name = _("safety measure")
        verbose_name_plural = _("safety measures")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {catalogue.label({'ja': self.name_ja, 'en': self.name_en})}"

    @property
    def category_label(self) -> str:
        for category in catalogue.measure_categories():
            if category["code"] == self.category:
                return f"{category['section']} {catalogue.label(category)}"
        return self.category


class RiskQuerySet(models.QuerySet["Risk"]):
    def in_sheet_order(self) -> RiskQuerySet:
        """Ledger entry, then the lifecycle stages in the sheet's order (not alphabetical), then threat."""
        stage_order = models.Case(
            *[models.When(stage=stage, then=models.Value(index)) for stage, index in STAGE_ORDER.items()],
            default=models.Value(len(STAGE_ORDER)),
            output_field=models.IntegerField(),
        )
        return self.alias(stage_order=stage_order).order_by("ledger_entry__reference", "stage_order", "threat", "pk")


class Risk(models.Model):
    """One row of the risk sheet: a ledger entry at one lifecycle stage facing one threat."""

    ledger_entry = models.ForeignKey(
        "ledger.LedgerEntry", models.PROTECT, related_name="risks", verbose_name=_("ledger entry")
    )
    stage = models.CharField(_("lifecycle stage"), max_length=20, choices=Stage.choices)
    threat = models.CharField(_("threat"), max_length=40, choices=catalogue.threat_choices)
    description = models.TextField(_("description"), blank=True)
    likelihood = models.PositiveSmallIntegerField(_("likelihood"), null=True, blank=True)
    impact = models.PositiveSmallIntegerField(_("impact"), null=True, blank=True)
    existing_measures = models.ManyToManyField(
        SafetyMeasure, blank=True, related_name="risks", verbose_name=_("existing measures")
    )
    measures_note = models.TextField(_("measures in place"), blank=True)
    related_rules = models.CharField(_("related internal rules (関連規程)"), max_length=300, blank=True)
    residual_likelihood = models.PositiveSmallIntegerField(_("residual likelihood"), null=True, blank=True)
    residual_impact = models.PositiveSmallIntegerField(_("residual impact"), null=True, blank=True)
    treatment = models.CharField(_("treatment"), max_length=20, choices=Treatment.choices, blank=True)
    treatment_plan = models.TextField(_("treatment plan"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_risks",
        verbose_name=_("owner"),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="accepted_risks",
        verbose_name=_("accepted by"),
        editable=False,
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True, editable=False)
    acceptance_reason = models.TextField(_("reason for acceptance"), blank=True, editable=False)
    evidence_ref = models.CharField(_("evidence reference"), max_length=200, blank=True)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # Evidence-like: archived with a reason, never deleted (アーカイブ); archived rows leave the lists.
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True, editable=False)
    archive_reason = models.TextField(_("reason for archiving"), blank=True, editable=False)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("archived by"),
        editable=False,
    )

    objects = RiskQuerySet.as_manager()

    class Meta:
        verbose_name = _("risk")
        verbose_name_plural = _("risks")
        ordering = ["ledger_entry_id", "stage", "threat", "pk"]
        indexes = [models.Index(fields=["ledger_entry", "stage"])]

    def __str__(self) -> str:
        return f"{self.ledger_entry} / {STAGE_JA.get(self.stage, self.stage)} / {self.threat_label}"

    def get_absolute_url(self) -> str:
        return reverse("risk:detail", args=[self.pk])

    @property
    def threat_label(self) -> str:
        return catalogue.threat_label(self.threat)

    @property
    def record_label(self) -> str:
        """How links to it read elsewhere (リスク #12)."""
        return str(_("Risk #%(pk)s") % {"pk": self.pk})

    @property
    def stage_ja(self) -> str:
        return STAGE_JA.get(self.stage, self.stage)

    def inherent(self, matrix: RiskMatrix) -> Score | None:
        return matrix.score(self.likelihood, self.impact)

    def residual(self, matrix: RiskMatrix) -> Score | None:
        """The residual score; while not assessed separately, the inherent one stands."""
        return matrix.score(self.residual_likelihood, self.residual_impact) or self.inherent(matrix)

    def is_overdue(self, today: dt.date | None = None) -> bool:
        if self.due_date is None or self.status in (RiskStatus.ACCEPTED, RiskStatus.CLOSED):
            return False
        return self.due_date < (today or timezone.localdate())


class NonconformitySource(models.TextChoices):
    RECONCILIATION = "reconciliation", _("Ledger reconciliation")
    AUDIT = "audit", _("Internal audit")
    INCIDENT = "incident", _("Incident")
    COMPLAINT = "complaint", _("Complaint from a person")
    OTHER = "other", _("Other")


class NonconformityStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CORRECTED = "corrected", _("Corrected")
    CLOSED = "closed", _("Closed")


class Nonconformity(models.Model):
    """A nonconformity (不適合) and its corrective action (是正処置): cause, action, owner and due date, then the
    effectiveness check and closure by the protection manager (who found it — e.g. the internal auditor — never
    closes it)."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    detected_at = models.DateTimeField(_("detected at"), default=timezone.now)
    source = models.CharField(
        _("source"), max_length=20, choices=NonconformitySource.choices, default=NonconformitySource.OTHER
    )
    evidence_ref = models.CharField(_("evidence reference"), max_length=200, blank=True)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=NonconformityStatus.choices, default=NonconformityStatus.OPEN
    )
    cause = models.TextField(_("cause (原因)"), blank=True)
    corrective_action = models.TextField(_("corrective action"), blank=True)
    # Closing (完了): only through services.close_nonconformity, after the effectiveness check (有効性の確認).
    effectiveness = models.TextField(_("effectiveness check"), blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
        editable=False,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_nonconformities",
        verbose_name=_("owner"),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Evidence-like: archived with a reason, never deleted (アーカイブ); archived rows leave the lists.
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True, editable=False)
    archive_reason = models.TextField(_("reason for archiving"), blank=True, editable=False)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("archived by"),
        editable=False,
    )

    class Meta:
        verbose_name = _("nonconformity")
        verbose_name_plural = _("nonconformities")
        ordering = ["-detected_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("risk:nc_detail", args=[self.pk])

    @property
    def record_label(self) -> str:
        """How links to it read elsewhere (不適合 #3)."""
        return str(_("Nonconformity #%(pk)s") % {"pk": self.pk})
