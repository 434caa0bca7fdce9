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

    source = models.ForeignKey(
        DataSource, verbose_name=_("data source"), on_delete=models.CASCADE, related_name="scans"
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
