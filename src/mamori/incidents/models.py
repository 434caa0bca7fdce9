"""Incident cases (インシデント事案) and what a case holds: status history, timeline, tasks, playbooks,
APPI assessments, preservation notices to contractors and the legal hold.

Business rules live in the services modules (``services.py`` for the case, timeline and tasks; ``appi.py``
for the assessment; ``hold.py`` for the legal hold; ``portal.py`` for contractors); these are the records.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    """The stages of a case, in order (受付 → 初動対応・封じ込め → 調査 → 報告・通知 → 再発防止 → 完了)."""

    RECEIVED = "received", _("Received")
    CONTAINMENT = "containment", _("Initial response and containment")
    INVESTIGATION = "investigation", _("Investigation")
    REPORTING = "reporting", _("Reports and notices")
    PREVENTION = "prevention", _("Recurrence prevention")
    CLOSED = "closed", _("Closed")


class DetectionSource(models.TextChoices):
    """How the company learned of the incident (覚知の経緯)."""

    INTERNAL = "internal", _("Internal detection")
    CONTRACTOR = "contractor", _("Contractor")
    CARD_COMPANY = "card_company", _("Card company")
    CUSTOMER = "customer", _("Customer")
    REGULATOR = "regulator", _("Regulator")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class IncidentCase(models.Model):
    """A suspected or confirmed personal-data incident, e.g. a card company's warning of a leak.

    ``discovered_at`` is when the company learned of it (覚知日時, Asia/Tokyo): the moment that starts every
    legal clock. A suspected breach is under legal hold (証拠保全) from the start: its evidence, and the
    scans of its data sources, cannot be deleted or replaced until two managers release the hold.
    """

    Status = CaseStatus

    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.RECEIVED)
    discovered_at = models.DateTimeField(_("learned of it at"))
    detection_source = models.CharField(
        _("how it was found"), max_length=20, choices=DetectionSource.choices, default=DetectionSource.INTERNAL
    )
    detection_detail = models.TextField(_("who told whom, and how"), blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.HIGH)
    suspected_breach = models.BooleanField(_("suspected personal-data breach"), default=True)
    contractor = models.ForeignKey(
        "contractors.Contractor",
        verbose_name=_("contractor involved"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    ledger_entries = models.ManyToManyField(
        "ledger.LedgerEntry", verbose_name=_("affected ledger entries"), related_name="cases", blank=True
    )
    data_sources = models.ManyToManyField(
        "discovery.DataSource", verbose_name=_("affected data sources"), related_name="cases", blank=True
    )
    exposure_from = models.DateField(_("exposure from"), null=True, blank=True)
    exposure_to = models.DateField(_("exposure until"), null=True, blank=True)
    persons_affected = models.PositiveIntegerField(_("number of persons affected"), null=True, blank=True)
    # When a contractor reported it to us (its notice to the client, 規則 Art. 9), and who did.
    contractor_notified_at = models.DateTimeField(_("contractor notified us at"), null=True, blank=True)
    contractor_notified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contractor notice by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    legal_hold = models.BooleanField(_("legal hold"), default=True)
    hold_placed_at = models.DateTimeField(_("hold placed at"), null=True, blank=True)
    hold_released_at = models.DateTimeField(_("hold released at"), null=True, blank=True)
    # Cases are evidence: never deleted, archived with a reason (and refused while under hold).
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    archive_reason = models.TextField(_("reason for archiving"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("incident case")
        verbose_name_plural = _("incident cases")
        ordering = ["-discovered_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_closed(self) -> bool:
        return self.status == CaseStatus.CLOSED


class CaseStatusChange(models.Model):
    """A move of a case from one stage to another: who moved it, when and why."""

    case = models.ForeignKey(IncidentCase, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(_("from"), max_length=16, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=CaseStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("at"))
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["case_id", "changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} → {self.to_status}"


class TimelineKind(models.TextChoices):
    EVENT = "event", _("Event")
    NOTE = "note", _("Note")
    ACTION = "action", _("Action taken")
    SYSTEM = "system", _("Recorded by Mamori")


class TimelineEvent(models.Model):
    """One line of a case's timeline (経緯): what happened when, by whom, with its source."""

    case = models.ForeignKey(IncidentCase, on_delete=models.PROTECT, related_name="timeline")
    kind = models.CharField(_("kind"), max_length=10, choices=TimelineKind.choices, default=TimelineKind.EVENT)
    occurred_at = models.DateTimeField(_("happened at"))
    title = models.CharField(_("what happened"), max_length=300)
    description = models.TextField(_("details"), blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    # "scan:3/finding:25", "evidence:7": links to what the line rests on
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        ordering = ["case_id", "occurred_at", "pk"]

    def __str__(self) -> str:
        return self.title


class TaskStatus(models.TextChoices):
    OPEN = "open", _("To do")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class CaseTask(models.Model):
    """A task of a case with an owner and a due date; contractor users see only tasks assigned to them."""

    case = models.ForeignKey(IncidentCase, on_delete=models.PROTECT, related_name="tasks")
    title = models.CharField(_("task"), max_length=300)
    description = models.TextField(_("details"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case_tasks",
    )
    due_date = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    playbook_step = models.ForeignKey(
        "incidents.PlaybookStep",
        verbose_name=_("from playbook step"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("case task")
        verbose_name_plural = _("case tasks")
        ordering = ["case_id", "order", "due_date", "pk"]

    def __str__(self) -> str:
        return self.title


class Playbook(models.Model):
    """An editable template (対応手順) whose steps become the first tasks of a new case."""

    key = models.SlugField(_("key"), max_length=50, unique=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description_ja = models.TextField(_("description (Japanese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    active = models.BooleanField(_("in use"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("playbook")
        verbose_name_plural = _("playbooks")
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name_ja


class PlaybookStep(models.Model):
    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveIntegerField(_("order"))
    title_ja = models.CharField(_("step (Japanese)"), max_length=300)
    title_en = models.CharField(_("step (English)"), max_length=300)
    description_ja = models.TextField(_("details (Japanese)"), blank=True)
    description_en = models.TextField(_("details (English)"), blank=True)
    due_days = models.PositiveIntegerField(_("due after days"), null=True, blank=True)  # counted from learning of it

    class Meta:
        verbose_name = _("playbook step")
        verbose_name_plural = _("playbook steps")
        ordering = ["playbook_id", "order", "pk"]

    def __str__(self) -> str:
        return self.title_ja


class AppiAssessment(models.Model):
    """One assessment of a case under APPI Art. 26 (報告・本人通知の要否): the facts as entered and the
    decision the rules gave, with the rules' version. Each re-assessment adds a row; the latest counts."""

    case = models.ForeignKey(IncidentCase, on_delete=models.PROTECT, related_name="assessments")
    facts = models.JSONField(_("facts"))
    decision = models.JSONField(_("decision"))
    rules_version = models.CharField(_("rules version"), max_length=40)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assessed by"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    assessed_at = models.DateTimeField(_("assessed at"))

    class Meta:
        verbose_name = _("APPI assessment")
        verbose_name_plural = _("APPI assessments")
        ordering = ["case_id", "-assessed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.case} @ {self.assessed_at:%Y-%m-%d %H:%M}"


class HoldRelease(models.Model):
    """A request to release a case's legal hold: a manager asks with a written reason, a second, different
    manager approves; only then is the hold lifted."""

    case = models.ForeignKey(IncidentCase, on_delete=models.PROTECT, related_name="hold_releases")
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("hold release")
        verbose_name_plural = _("hold releases")
        ordering = ["case_id", "-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.case}: {self.reason[:40]}"


class PreservationNotice(models.Model):
    """A preservation (legal hold) notice the client sends a contractor (証拠保全の依頼): keep everything,
    delete nothing. Reminded and escalated until a contractor user acknowledges it in the portal."""

    case = models.ForeignKey(IncidentCase, on_delete=models.PROTECT, related_name="preservation_notices")
    contractor = models.ForeignKey(
        "contractors.Contractor", verbose_name=_("contractor"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("notice"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent at"))
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    reminders_sent = models.PositiveIntegerField(_("reminders sent"), default=0)
    last_reminded_at = models.DateTimeField(_("last reminded at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("preservation notice")
        verbose_name_plural = _("preservation notices")
        ordering = ["case_id", "-sent_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.case} → {self.contractor}"


class ReminderSent(models.Model):
    """One reminder e-mail that went out, keyed so that the same reminder never fires twice."""

    key = models.CharField(max_length=200, unique=True)
    sent_at = models.DateTimeField()
    recipients = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.key


class CaseAccess(models.Model):
    """An invitation of an outside investigator (外部調査員) to one case, until ``expires_at``."""

    case = models.ForeignKey(IncidentCase, on_delete=models.CASCADE, related_name="accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_accesses")
    expires_at = models.DateTimeField(_("access until"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("case access")
        verbose_name_plural = _("case accesses")
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="one_access_per_case_user")]

    def __str__(self) -> str:
        return f"{self.user} → {self.case}"
