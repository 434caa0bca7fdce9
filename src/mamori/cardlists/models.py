"""Card-company lists (カード会社からの漏えい疑いカード一覧) and what matched them.

A list arrives with clear card numbers; each number is masked and fingerprinted while the file is read (the same
mask and slow keyed fingerprint the scanner stores, ``mamori.discovery.engine.masking``) and the clear number is
dropped. Nothing here holds a card number or anything from which one can be rebuilt without the fingerprint key
(docs/security.md). Lists are evidence-like: archived with a reason, never deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ListStatus(models.TextChoices):
    IMPORTING = "importing", _("Fingerprinting")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Import failed")


class CardList(models.Model):
    """CardList — カード会社から受け取った漏えい疑いカード一覧 (one imported file)."""

    case = models.ForeignKey(
        "incidents.IncidentCase", verbose_name=_("case"), on_delete=models.PROTECT, related_name="card_lists"
    )
    received_from = models.CharField(_("received from (card company)"), max_length=200)
    received_at = models.DateField(_("received on"))
    file_name = models.CharField(_("file name"), max_length=255)
    # SHA-256 of the file as received: proves which file was imported. It covers the whole file with its other
    # columns, so it cannot be used to test guesses of a single card number.
    file_sha256 = models.CharField(_("digest of the file (keyed HMAC-SHA256)"), max_length=64)
    card_column = models.CharField(_("card-number column"), max_length=200, blank=True)
    kept_columns = models.JSONField(_("other columns kept"), default=list, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    accepted = models.PositiveIntegerField(_("accepted"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    # [{"row": 12, "problem": "..."}]: never a card number (masked at most).
    problems = models.JSONField(_("rejected rows"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True)
    # Large lists are fingerprinted in the background (in memory, in the web process): "importing" until done.
    status = models.CharField(_("status"), max_length=16, choices=ListStatus.choices, default=ListStatus.READY)
    error = models.TextField(_("error"), blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    archive_reason = models.TextField(_("reason for archiving"), blank=True)

    class Meta:
        verbose_name = _("card-company list")
        verbose_name_plural = _("card-company lists")
        ordering = ["-imported_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.received_from} {self.received_at:%Y-%m-%d} ({self.file_name})"


class CardListEntry(models.Model):
    """One accepted row of a list: its mask and slow fingerprint only (カード番号そのものは保存しない)."""

    card_list = models.ForeignKey(CardList, verbose_name=_("list"), on_delete=models.PROTECT, related_name="entries")
    row = models.PositiveIntegerField(_("row"))
    mask = models.CharField(_("masked number"), max_length=40)
    # scrypt(HMAC(fingerprint key, number)); never shown in a page, the API or an export.
    fingerprint = models.CharField(_("fingerprint"), max_length=120, editable=False)
    brand = models.CharField(_("brand"), max_length=40, blank=True)
    # Other columns of the row that are not card data (usage date, the card company's reference).
    details = models.JSONField(_("other columns"), default=dict, blank=True)

    class Meta:
        verbose_name = _("card-list entry")
        verbose_name_plural = _("card-list entries")
        ordering = ["card_list", "row"]
        indexes = [models.Index(fields=["fingerprint"], name="cardlist_entry_fingerprint")]

    def __str__(self) -> str:
        return f"{self.card_list_id}:{self.row} {self.mask}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Completed")
    FAILED = "failed", _("Failed")


class MatchRun(models.Model):
    """MatchRun — 照合の実行: one background matching of a list against sources, evidence and findings."""

    card_list = models.ForeignKey(CardList, verbose_name=_("list"), on_delete=models.PROTECT, related_name="runs")
    status = models.CharField(_("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    sources = models.ManyToManyField("discovery.DataSource", verbose_name=_("data sources"), blank=True)
    evidence = models.ManyToManyField("evidence.Evidence", verbose_name=_("preserved copies"), blank=True)
    include_findings = models.BooleanField(_("stored scan findings"), default=True)
    include_people = models.BooleanField(_("affected list"), default=True)
    scoping = models.ForeignKey(
        "scoping.Scoping",
        verbose_name=_("scoping used"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
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
    matched_entries = models.PositiveIntegerField(_("list entries matched"), default=0)
    matches_count = models.PositiveIntegerField(_("matches"), default=0)
    people_linked = models.PositiveIntegerField(_("affected people linked"), default=0)
    # What could not be done, in words (a source that could not be read, a row not linkable to a person).
    notes = models.JSONField(_("notes"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("matching run")
        verbose_name_plural = _("matching runs")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.card_list} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in (RunStatus.SUCCEEDED, RunStatus.FAILED)


class MatchKind(models.TextChoices):
    SOURCE = "source", _("Data source (scanned again)")
    FINDING = "finding", _("Stored scan finding")
    EVIDENCE = "evidence", _("Preserved copy")


class CardMatch(models.Model):
    """CardMatch — 照合結果: a list entry found in a place, and the affected person it belongs to if known."""

    run = models.ForeignKey(MatchRun, verbose_name=_("run"), on_delete=models.PROTECT, related_name="matches")
    entry = models.ForeignKey(CardListEntry, verbose_name=_("entry"), on_delete=models.PROTECT, related_name="matches")
    kind = models.CharField(_("found in"), max_length=16, choices=MatchKind.choices)
    source = models.ForeignKey(
        "discovery.DataSource", verbose_name=_("data source"), on_delete=models.PROTECT, null=True, blank=True
    )
    finding = models.ForeignKey(
        "discovery.ScanFinding", verbose_name=_("finding"), on_delete=models.PROTECT, null=True, blank=True
    )
    evidence = models.ForeignKey(
        "evidence.Evidence", verbose_name=_("preserved copy"), on_delete=models.PROTECT, null=True, blank=True
    )
    evidence_sha256 = models.CharField(_("SHA-256 of the copy read"), max_length=64, blank=True)
    location = models.CharField(_("location"), max_length=600)  # table.column, or file[:line]
    row_key = models.CharField(_("row"), max_length=300, blank=True)  # e.g. order_id=1042
    identity = models.CharField(_("identity"), max_length=320, blank=True)  # member:123 / email:...
    person = models.ForeignKey(
        "scoping.AffectedPerson",
        verbose_name=_("affected person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="card_matches",
    )
    # Why no person is linked, in words (not in the scoping's table, identity not in the affected list, ...).
    person_note = models.CharField(_("link to the affected list"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("card match")
        verbose_name_plural = _("card matches")
        ordering = ["run", "entry__row", "pk"]

    def __str__(self) -> str:
        return f"{self.entry.mask} @ {self.location}"
