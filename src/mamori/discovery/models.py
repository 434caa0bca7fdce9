"""Data sources (files and databases), their scans and what each scan found.

A finding never holds a full card number or security code: the engine gives masked examples only (at most
the first six and last four digits, with at least six digits hidden). Card numbers alone also get slow keyed
fingerprints, so that a card company's list can be matched later; they are never shown (docs/security.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SourceKind(models.TextChoices):
    FILES = "files", _("File location")
    DATABASE = "database", _("Database")


class DataSource(models.Model):
    """A place where personal data may be kept: a folder or share, or a database connection."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=SourceKind.choices)
    # Files: a path on the Mamori server. Database: a URL without its password (sqlite:///…, postgresql://user@host/db).
    location = models.CharField(_("location"), max_length=500)
    # The database password, Fernet-encrypted with MAMORI_SECRETS_KEY; never shown again, redacted in the audit trail.
    encrypted_secret = models.TextField(_("encrypted password"), blank=True, editable=False)
    ledger_entries = models.ManyToManyField(
        "ledger.LedgerEntry", verbose_name=_("ledger entries"), related_name="data_sources", blank=True
    )
    contractor = models.ForeignKey(
        "contractors.Contractor",
        verbose_name=_("run by contractor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="data_sources",
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # A source whose scans are evidence is archived, never deleted (アーカイブ): it leaves the lists and is no
    # longer scanned, and its pages, scans and findings stay readable.
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True, editable=False)
    archive_reason = models.TextField(_("reason for archiving"), blank=True, editable=False)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("archived by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("data source")
        verbose_name_plural = _("data sources")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def has_secret(self) -> bool:
        return bool(self.encrypted_secret)


class ScanStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Completed")
    FAILED = "failed", _("Failed")


class Scan(models.Model):
    """One scan of a data source, run as a background job."""

    # PROTECT: a scan is evidence; its source is archived, never deleted with it.
    source = models.ForeignKey(
        DataSource, verbose_name=_("data source"), on_delete=models.PROTECT, related_name="scans"
    )
    status = models.CharField(_("status"), max_length=16, choices=ScanStatus.choices, default=ScanStatus.QUEUED)
    job = models.ForeignKey(
        "jobs.Job", verbose_name=_("job"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_by = models.ForeignKey(
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
    items_scanned = models.PositiveIntegerField(_("files or tables scanned"), default=0)
    rows_scanned = models.PositiveBigIntegerField(_("rows scanned"), default=0)
    findings_count = models.PositiveIntegerField(_("findings"), default=0)
    prohibited_count = models.PositiveIntegerField(_("prohibited findings"), default=0)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("scan")
        verbose_name_plural = _("scans")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.source} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in (ScanStatus.SUCCEEDED, ScanStatus.FAILED)


class Severity(models.TextChoices):
    """The engine's severities (``engine.types.Severity`` labels), as a person reads them (重大度)."""

    CRITICAL = "critical", _("Critical")
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")
    INFO = "info", _("Information")


class DataClass(models.TextChoices):
    """The engine's data classes (``engine.types.DataClass``): card data that must never be stored, or personal data."""

    PROHIBITED = "prohibited", _("Must not be stored")
    PERSONAL = "personal", _("Personal information")


class Evidence(models.TextChoices):
    """What a database finding rests on: the values, the values and the column name, or the column name only."""

    VALUES = "values", _("Values")
    VALUES_NAME = "values+name", _("Values and column name")
    NAME = "name", _("Column name only")


class ScanFinding(models.Model):
    """One (location, type) a scan found: a column of a table, or a file (with sheet/cell or line)."""

    scan = models.ForeignKey(Scan, verbose_name=_("scan"), on_delete=models.CASCADE, related_name="findings")
    type = models.CharField(_("type"), max_length=40)
    path = models.CharField(_("file"), max_length=1000, blank=True)
    line = models.PositiveIntegerField(_("line"), null=True, blank=True)
    sheet = models.CharField(_("sheet"), max_length=200, blank=True)
    cell = models.CharField(_("cell"), max_length=40, blank=True)
    table = models.CharField(_("table"), max_length=300, blank=True)
    column = models.CharField(_("column"), max_length=300, blank=True)
    examples = models.JSONField(_("masked examples"), default=list, blank=True)
    # Slow keyed hashes (scrypt, key in MAMORI_DATA_DIR/keys/fingerprint.key) of the card numbers among the
    # examples; empty for every other type. Never shown in a page, the API or an export.
    card_fingerprints = models.JSONField(_("card fingerprints"), default=list, blank=True, editable=False)
    rows_matched = models.PositiveBigIntegerField(_("matches"), default=0)
    rows_scanned = models.PositiveBigIntegerField(_("rows scanned"), default=0)
    match_ratio = models.FloatField(_("match ratio"), default=0.0)
    confidence = models.FloatField(_("confidence"), default=0.0)
    severity = models.CharField(_("severity"), max_length=20)
    data_class = models.CharField(_("data class"), max_length=30)
    evidence = models.CharField(_("evidence"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["scan_id", "table", "column", "path", "type", "pk"]

    def __str__(self) -> str:
        return f"{self.type} @ {self.location}"

    @property
    def location(self) -> str:
        if self.table:
            return f"{self.table}.{self.column}"
        where = self.path
        if self.sheet:
            where += f" [{self.sheet}]{self.cell}"
        elif self.line:
            where += f":{self.line}"
        return where

    @property
    def location_key(self) -> str:
        """Where it was found, at the grain scans are compared on (column, or file)."""
        return f"{self.table}.{self.column}" if self.table else self.path

    @property
    def is_file(self) -> bool:
        return not self.table

    @property
    def type_label(self) -> str:
        """The type as a person reads it (クレジットカード番号), or its code for a type the ledger has no name for."""
        from mamori.ledger.models import ScannerType

        return str(dict(ScannerType.choices).get(self.type, self.type))

    @property
    def severity_label(self) -> str:
        return str(dict(Severity.choices).get(self.severity, self.severity))

    @property
    def data_class_label(self) -> str:
        return str(dict(DataClass.choices).get(self.data_class, self.data_class))

    @property
    def evidence_label(self) -> str:
        return str(dict(Evidence.choices).get(self.evidence, self.evidence))

    @property
    def name_only(self) -> bool:
        """Matched on the column's name alone (EC-CUBE's tel01, zip02): no value was seen to be of this type."""
        return self.evidence == Evidence.NAME


# Locations kept per file finding: a log with a card number on every line must not fill the database; the true
# count stays in ScanFinding.rows_matched and the page says how many more there were.
MAX_LOCATIONS = 10_000


class FindingLocation(models.Model):
    """One place in a file where a finding occurs (line and character offset, or sheet and cell), with its masked
    value only: never a full card number nor any digit of a security code (the engine masks before it reports)."""

    finding = models.ForeignKey(
        ScanFinding, verbose_name=_("finding"), on_delete=models.CASCADE, related_name="locations"
    )
    line = models.PositiveIntegerField(_("line"), null=True, blank=True)
    column = models.CharField(_("position"), max_length=300, blank=True)
    sheet = models.CharField(_("sheet"), max_length=200, blank=True)
    cell = models.CharField(_("cell"), max_length=40, blank=True)
    masked = models.CharField(_("masked value"), max_length=300)

    class Meta:
        verbose_name = _("finding location")
        verbose_name_plural = _("finding locations")
        ordering = ["finding_id", "pk"]  # the order the scanner met them: down the file, sheet by sheet

    def __str__(self) -> str:
        return f"{self.finding_id} {self.place}"

    @property
    def place(self) -> str:
        """Where in the file: ``[Sheet]B12``, ``line 12``, or a JSON pointer / offset when that is all there is."""
        if self.sheet or self.cell:
            return f"[{self.sheet}]{self.cell}" if self.sheet else self.cell
        if self.line:
            return str(self.line)
        return self.column


class GapKind(models.TextChoices):
    """The kinds of difference between the ledger and a scan (照合の差異), most urgent first."""

    MY_NUMBER = "my_number", _("My Number not declared (番号法)")
    PROHIBITED = "prohibited", _("Prohibited data")
    UNDECLARED = "undeclared", _("Found, not declared")
    UNSEEN = "unseen", _("Declared, not found")


class GapRecord(models.Model):
    """What was recorded for one reconciliation gap (照合結果の記録先): the risk and/or nonconformity, every scan
    that showed the gap again, and the scan that no longer showed it.

    One open record per (source, gap kind, type): a second press opens it, a later scan adds evidence to it. A gap
    that comes back after it was resolved gets a new record."""

    source = models.ForeignKey(
        DataSource, verbose_name=_("data source"), on_delete=models.PROTECT, related_name="gap_records"
    )
    kind = models.CharField(_("gap"), max_length=20, choices=GapKind.choices)
    type = models.CharField(_("type"), max_length=40)
    risk = models.ForeignKey(
        "risk.Risk", verbose_name=_("risk"), on_delete=models.PROTECT, null=True, blank=True, related_name="gaps"
    )
    nonconformity = models.ForeignKey(
        "risk.Nonconformity",
        verbose_name=_("nonconformity"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="gaps",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    resolved_by = models.ForeignKey(
        Scan,
        verbose_name=_("resolved by scan"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resolved_gaps",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reconciliation record")
        verbose_name_plural = _("reconciliation records")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["source", "kind", "type"])]

    def __str__(self) -> str:
        return f"{self.source} {self.kind} {self.type}"

    @property
    def key(self) -> str:
        return f"{self.source_id}:{self.kind}:{self.type}"

    @property
    def type_label(self) -> str:
        from mamori.ledger.models import ScannerType

        return str(dict(ScannerType.choices).get(self.type, self.type))


class GapEvidence(models.Model):
    """One scan (and finding) that showed a recorded gap: the evidence list of its risk or nonconformity."""

    record = models.ForeignKey(
        GapRecord, verbose_name=_("reconciliation record"), on_delete=models.PROTECT, related_name="evidence"
    )
    scan = models.ForeignKey(Scan, verbose_name=_("scan"), on_delete=models.PROTECT, related_name="gap_evidence")
    finding = models.ForeignKey(
        ScanFinding,
        verbose_name=_("finding"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="gap_evidence",
    )
    added_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("gap evidence")
        verbose_name_plural = _("gap evidence")
        ordering = ["record_id", "scan_id", "pk"]
        constraints = [models.UniqueConstraint(fields=["record", "scan"], name="discovery_gap_evidence_once_per_scan")]

    def __str__(self) -> str:
        return self.ref

    @property
    def ref(self) -> str:
        """The reference as stored on risks and nonconformities (``scan:12/finding:34``)."""
        if self.finding_id is None:
            return f"scan:{self.scan_id}"
        return f"scan:{self.scan_id}/finding:{self.finding_id}"
