"""Data sources, scans and reconciliation with the ledger: every state change is one function here.

Views, the API, the CLI and the background job call these; each checks the actor's rights through
``mamori.accounts.policy`` and writes an audit entry in the same transaction.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mamori.accounts import policy
from mamori.accounts.policy import Action, Actor
from mamori.audit import services as audit
from mamori.core import actions, keys
from mamori.discovery import fingerprints, secrets, targets
from mamori.discovery.models import (
    MAX_LOCATIONS,
    DataSource,
    FindingLocation,
    GapEvidence,
    GapKind,
    GapRecord,
    Scan,
    ScanFinding,
    ScanStatus,
    SourceKind,
)
from mamori.jobs.models import Job
from mamori.ledger.models import DataCategory

log = logging.getLogger("mamori.discovery")

SOURCE = "data_source"
SCAN = "scan"
RECONCILIATION = "reconciliation"
CARD_NUMBER = "credit_card_number"
MAX_EXAMPLES = 3
LOCATION_BATCH = 500  # rows per INSERT: 3,000 parameters, under SQLite's and PostgreSQL's limits
Progress = Callable[[int, str], None]


# --------------------------------------------------------------------------------------------------
# Data sources


def validate_location(kind: str, location: str) -> None:
    """Raise ``ValidationError`` on the ``location`` field when it cannot be what ``kind`` needs."""
    from mamori.discovery.engine.database import connect

    if kind == SourceKind.DATABASE:
        if "://" not in location:
            raise ValidationError(
                {"location": _("Enter a database URL such as postgresql://user@host/db or sqlite:////path/to/db.")}
            )
        try:
            url = connect.parse_url(location)
        except connect.SourceError as exc:
            raise ValidationError({"location": str(exc)}) from None
        if url.password:
            raise ValidationError(
                {"location": _("Do not put the password in the URL; enter it in the password field.")}
            )
        targets.check_database(url)
    elif kind == SourceKind.FILES:
        targets.check_path(location)
    else:
        raise ValidationError({"kind": _("Unknown source type %(kind)s.") % {"kind": kind}})


def check_target(source: DataSource) -> None:
    """Refuse (``TargetRefused``) a source whose target the allow-list no longer covers: run before each scan
    and connection test, because the administrator may have narrowed ``MAMORI_SCAN_ALLOW`` since it was saved."""
    validate_location(source.kind, source.location)


def _apply(source: DataSource, data: Mapping[str, Any]) -> list[Any] | None:
    entries = None
    for name, value in data.items():
        if name == "ledger_entries":
            entries = list(value)
        elif name in ("name", "kind", "location", "contractor", "notes"):
            setattr(source, name, value)
    return entries


def create_source(actor: Actor, data: Mapping[str, Any], password: str = "") -> DataSource:
    policy.check(actor, Action.ADD, SOURCE)
    validate_location(str(data.get("kind", "")), str(data.get("location", "")))
    with transaction.atomic():
        source = DataSource()
        entries = _apply(source, data)
        source.encrypted_secret = secrets.encrypt(password)
        source.full_clean()
        source.save()
        if entries is not None:
            source.ledger_entries.set(entries)
        audit.record_create(actor, source)
    return source


def update_source(
    actor: Actor, source: DataSource, data: Mapping[str, Any], password: str = "", clear_password: bool = False
) -> DataSource:
    """Change a source; a blank ``password`` keeps the stored one (it is never shown to be edited)."""
    policy.check(actor, Action.CHANGE, SOURCE, source)
    _refuse_if_archived(source)
    validate_location(str(data.get("kind", source.kind)), str(data.get("location", source.location)))
    with transaction.atomic():
        before = audit.snapshot(source)
        entries = _apply(source, data)
        if password:
            source.encrypted_secret = secrets.encrypt(password)
        elif clear_password:
            source.encrypted_secret = ""
        source.full_clean()
        source.save()
        if entries is not None:
            source.ledger_entries.set(entries)
        audit.record_update(actor, source, before)
    return source


def depending_case(source: DataSource) -> Any:
    """The case that still depends on ``source`` — one under legal hold that protects it, or an open case (not
    closed, not archived) it is linked to — or None. Such a source is neither archived nor deleted."""
    from mamori.evidence.holds import holding_case
    from mamori.incidents.models import CaseStatus

    held = holding_case(source)
    if held is not None:
        return held
    return (
        source.cases.filter(archived_at__isnull=True).exclude(status=CaseStatus.CLOSED).order_by("pk").first()
        if source.pk
        else None
    )


def _refuse_if_a_case_depends(source: DataSource) -> None:
    from mamori.evidence.holds import refuse_if_held

    refuse_if_held(source)  # its scans and findings are evidence of a case under legal hold (403 naming the case)
    case = depending_case(source)
    if case is not None:
        raise ValidationError(
            _('The open case "%(case)s" refers to this data source; close the case first.') % {"case": case.title}
        )


def may_delete(source: DataSource) -> bool:
    """Only a source that was never scanned is deleted: it holds no evidence (a mistyped location, a test entry).
    Every other source is archived."""
    return not source.scans.exists() and not source.gap_records.exists()


def delete_source(actor: Actor, source: DataSource) -> None:
    """Delete a data source that was never scanned; a source with scans is archived (:func:`archive_source`)."""
    policy.check(actor, Action.DELETE, SOURCE, source)
    _refuse_if_a_case_depends(source)
    if not may_delete(source):
        raise ValidationError(_("This data source has scans, which are evidence: archive it instead of deleting it."))
    with transaction.atomic():
        audit.record_delete(actor, source, audit.snapshot(source))
        source.delete()


def archive_source(actor: Actor, source: DataSource, reason: str) -> DataSource:
    """Archive a data source (アーカイブ): it leaves the lists, reconciliation and scanning; its page, scans and
    findings stay readable. A reason is required; refused while a case depends on it."""
    return actions.archive_record(
        actor,
        SOURCE,
        source,
        reason,
        audit_action="archive",
        no_reason=_("Say why the data source is archived."),
        already=_("This data source is already archived."),
        refuse=_refuse_if_a_case_depends,
    )


def _refuse_if_archived(source: DataSource) -> None:
    if source.archived_at is not None:
        raise ValidationError(_("This data source is archived; it is no longer changed or scanned."))


def database_url(source: DataSource) -> str:
    """The source's URL with its decrypted password: only for opening the connection, never for showing."""
    from mamori.discovery.engine.database import connect

    url = connect.parse_url(source.location)
    password = secrets.decrypt(source.encrypted_secret)
    if password:
        url = url.set(password=password)
    return url.render_as_string(hide_password=False)


@dataclass(frozen=True)
class ConnectionResult:
    ok: bool
    message: str


TEST_TASK = "discovery.test_connection"
ACTIVE_JOB = ("queued", "running")


def test_connection(actor: Actor, source: DataSource) -> ConnectionResult:
    """Open the source read-only (or look at the folder) and say whether it worked, without the password.

    Bounded: the drivers' connect and read timeouts (``MAMORI_SCAN_CONNECT_TIMEOUT``) and a total deadline
    (``MAMORI_SCAN_TEST_TIMEOUT``) after which the test is reported failed. Pages and the API never call this
    directly: they queue it as a job (:func:`start_connection_test`), so no web thread waits on a target.
    """
    policy.check(actor, Action.TEST_CONNECTION, SOURCE, source)
    try:
        check_target(source)
    except ValidationError as exc:
        return ConnectionResult(False, " ".join(exc.messages))
    deadline = float(getattr(settings, "MAMORI_SCAN_TEST_TIMEOUT", 30))
    outcome: list[ConnectionResult] = []
    language = translation.get_language()

    def probe() -> None:
        with translation.override(language):
            outcome.append(_probe(source))

    worker = threading.Thread(target=probe, name=f"connection-test-{source.pk}", daemon=True)
    worker.start()
    worker.join(deadline)
    if not outcome:
        # The driver timeouts end the thread later; nothing waits for it any more.
        message = _("No answer within %(seconds)d seconds; the connection test was stopped.")
        return ConnectionResult(False, message % {"seconds": deadline})
    return outcome[0]


def _probe(source: DataSource) -> ConnectionResult:
    if source.kind == SourceKind.FILES:
        path = Path(source.location)
        if path.exists() and os.access(path, os.R_OK):
            return ConnectionResult(True, _("The location exists and can be read."))
        return ConnectionResult(False, _("The location %(path)s does not exist.") % {"path": source.location})
    from mamori.discovery.engine.database import connect, tables

    try:
        url = connect.parse_url(database_url(source))
        # A test lists tables only: its statements get the connect timeout too, which bounds every read.
        timeout = _connect_timeout()
        engine = connect.open_readonly(url, statement_timeout_s=timeout, connect_timeout_s=timeout)
        try:
            count = len(tables.list_tables(engine, tables.TableFilter()))
        finally:
            engine.dispose()
    except (connect.SourceError, secrets.SecretUnavailable) as exc:
        return ConnectionResult(False, _scrub(str(exc), source))
    except Exception as exc:  # a driver error must become a message, never a 500 page
        return ConnectionResult(False, _scrub(f"{type(exc).__name__}: {exc}".splitlines()[0][:300], source))
    return ConnectionResult(True, _("Connected read-only; %(count)d tables found.") % {"count": count})


def _connect_timeout() -> float:
    return float(getattr(settings, "MAMORI_SCAN_CONNECT_TIMEOUT", 10))


@dataclass(frozen=True)
class ConnectionTest:
    """A queued or finished connection test: its job, and whether it was already under way (not queued again)."""

    job: Job
    already_running: bool = False

    @property
    def finished(self) -> bool:
        return self.job.is_finished

    @property
    def result(self) -> ConnectionResult | None:
        if not self.job.is_finished:
            return None
        if self.job.status == "succeeded" and isinstance(self.job.result, dict):
            return ConnectionResult(bool(self.job.result.get("ok")), str(self.job.result.get("message", "")))
        return ConnectionResult(False, self.job.error or str(self.job.get_status_display()))


def start_connection_test(actor: Actor, source: DataSource) -> ConnectionTest:
    """Queue a connection test of ``source`` as a job; while one is queued or running, that one is returned."""
    from mamori.jobs.services import submit

    policy.check(actor, Action.TEST_CONNECTION, SOURCE, source)
    with transaction.atomic():
        DataSource.objects.select_for_update().filter(pk=source.pk).first()  # one request at a time per source
        running = _test_jobs(source).filter(status__in=ACTIVE_JOB).first()
        if running is not None:
            return ConnectionTest(running, already_running=True)
        job = submit(actor, TEST_TASK, {"source_id": source.pk}, max_attempts=1)
        audit.record(actor, "connection_test", source, message=f"job {job.pk}")
    return ConnectionTest(job)


def latest_connection_test(source: DataSource, job_id: str | None = None) -> ConnectionTest | None:
    """The latest connection test of ``source`` (or the one with ``job_id``), for reading its result."""
    jobs = _test_jobs(source)
    if job_id:
        try:
            jobs = jobs.filter(pk=uuid.UUID(str(job_id)))
        except ValueError:
            return None
    job = jobs.order_by("-created_at").first()
    return ConnectionTest(job) if job is not None else None


def _test_jobs(source: DataSource) -> QuerySet[Job]:
    return Job.objects.filter(name=TEST_TASK, args__source_id=source.pk)


def _scrub(message: str, source: DataSource) -> str:
    """Belt and braces: a driver could echo the password back; it never reaches a page or a log."""
    try:
        password = secrets.decrypt(source.encrypted_secret)
    except secrets.SecretUnavailable:
        return message
    return message.replace(password, "********") if password else message


# --------------------------------------------------------------------------------------------------
# Scans


def visible_sources(actor: Actor, archived: bool = False) -> QuerySet[DataSource]:
    """The sources the actor may see: those in use, or (``archived``) the archived ones."""
    sources = DataSource.objects.select_related("contractor").filter(archived_at__isnull=not archived)
    return policy.scope(actor, SOURCE, sources)


def start_scan(actor: Actor, source: DataSource) -> Scan:
    """Queue a scan of ``source`` as a background job ("discovery.scan")."""
    from mamori.jobs.services import submit

    policy.check(actor, Action.VIEW, SOURCE, source)
    policy.check(actor, Action.ADD, SCAN)
    _refuse_if_archived(source)
    with transaction.atomic():
        scan = Scan.objects.create(
            source=source, started_by=None if policy.is_system(actor) or not getattr(actor, "pk", None) else actor
        )
        scan.job = submit(actor, "discovery.scan", {"scan_id": scan.pk}, max_attempts=1)
        scan.save(update_fields=["job"])
        audit.record_create(actor, scan)
    return scan


def run_scan(scan_id: int, progress: Progress | None = None) -> Scan:
    """Run a queued scan (called by the job): store its findings, or its error as one line."""
    scan = Scan.objects.select_related("source").get(pk=scan_id)
    report = progress or (lambda percent, message: None)
    Scan.objects.filter(pk=scan.pk).update(status=ScanStatus.RUNNING, started_at=timezone.now(), error="")
    try:
        check_target(scan.source)
        if scan.source.kind == SourceKind.DATABASE:
            rows, summary = _scan_database(scan.source, report)
        else:
            links = list(islice(targets.outside_links(Path(scan.source.location)), targets.MAX_LINKS_LISTED))
            rows, summary = _scan_files(scan.source, report)
            rows, summary = _relative_paths(Path(scan.source.location), rows, summary, links)
    except Exception as exc:
        message = _scrub(str(exc).splitlines()[0][:500] if str(exc) else type(exc).__name__, scan.source)
        log.warning("discovery: scan %s of source %s failed: %s", scan.pk, scan.source_id, message)
        Scan.objects.filter(pk=scan.pk).update(status=ScanStatus.FAILED, finished_at=timezone.now(), error=message)
        scan.refresh_from_db()
        return scan
    with transaction.atomic():
        scan.findings.all().delete()  # a rerun of the same job starts over
        _store_findings(scan, rows)
        Scan.objects.filter(pk=scan.pk).update(
            status=ScanStatus.SUCCEEDED,
            finished_at=timezone.now(),
            findings_count=len(rows),
            prohibited_count=sum(1 for r in rows if r["data_class"] == "prohibited"),
            **summary,
        )
        scan.refresh_from_db()
        follow_up_gaps(scan)
    return scan


def _relative_paths(
    root: Path, rows: list[dict[str, Any]], summary: dict[str, Any], links: list[str]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Paths as seen from the source's folder, never the server's absolute paths (every reader of the scan sees
    them); links out of the folder, which the scan skipped, are listed as problems."""
    prefixes = sorted({str(root).rstrip("/"), str(root.resolve()).rstrip("/")}, key=len, reverse=True)

    def shown(text: str) -> str:
        for prefix in prefixes:
            if text.startswith(prefix + "/"):
                return text[len(prefix) + 1 :]
            if text.startswith(prefix) and (len(text) == len(prefix) or text[len(prefix)] in "!:"):
                return root.name + text[len(prefix) :]
        return text

    for row in rows:
        if row.get("path"):
            row["path"] = shown(str(row["path"]))
    skipped = [_("%(path)s: skipped: a symbolic link to a place outside this folder") % {"path": p} for p in links]
    problems = skipped + [shown(str(p)) for p in summary.get("problems", [])]
    return rows, {**summary, "problems": problems[:50]}


def fail_scan(scan_id: object, reason: str) -> bool:
    """Mark a scan that is still queued or running failed with ``reason`` (its job ended without finishing it)."""
    if not str(scan_id).isdigit():
        return False
    return bool(
        Scan.objects.filter(pk=int(str(scan_id)), status__in=[ScanStatus.QUEUED, ScanStatus.RUNNING]).update(
            status=ScanStatus.FAILED, finished_at=timezone.now(), error=reason[:2000]
        )
    )


def fail_orphaned_scans() -> int:
    """Scans still queued or running whose job has ended (or is gone): failed, with the job's reason."""
    from mamori.jobs.models import FINISHED

    open_scans = Scan.objects.filter(status__in=[ScanStatus.QUEUED, ScanStatus.RUNNING]).select_related("job")
    settled = 0
    for scan in open_scans.filter(Q(job__isnull=True) | Q(job__status__in=FINISHED)):
        reason = (scan.job.error if scan.job else "") or _("The scan's background job ended without finishing it.")
        settled += fail_scan(scan.pk, reason)
    return settled


def record_findings_read(actor: Actor, scan: Scan, where: str, what: str = "") -> None:
    """One audit entry per page or API read of a scan's findings (masked examples included), not one per row;
    ``what`` names a narrower read (one finding's locations) than all the scan's findings."""
    audit.record(actor, "view_findings", scan, message=f"{where}: {what or f'{scan.findings_count} findings'}")


def shown_confidence() -> float:
    from mamori.discovery.engine.precision import SHOWN_CONFIDENCE

    return SHOWN_CONFIDENCE


def shown_findings(scan: Scan, show_all: bool = False) -> tuple[list[ScanFinding], int]:
    """The findings a person reads first and how many were left out: below the engine's ``SHOWN_CONFIDENCE``
    (a bare number without context, a name-shaped word) they hide behind a count, as in ``mamori scan``."""
    findings = list(scan.findings.all())
    if show_all:
        return findings, 0
    shown = [f for f in findings if f.confidence >= shown_confidence()]
    return shown, len(findings) - len(shown)


def finding_locations(actor: Actor, scan: Scan, finding_id: int, where: str) -> tuple[ScanFinding, QuerySet[Any]]:
    """One finding of a visible ``scan`` and its stored locations, in the order found; the read is audited as a
    read of findings (masked values). A finding of another scan is ``ScanFinding.DoesNotExist`` (a 404)."""
    policy.check(actor, Action.VIEW, SCAN, scan)
    finding = scan.findings.get(pk=finding_id)
    record_findings_read(actor, scan, where, f"locations of finding {finding.pk} ({finding.rows_matched} matches)")
    return finding, finding.locations.all()


def _scan_database(source: DataSource, report: Progress) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    from mamori.discovery.engine.database import connect, tables
    from mamori.discovery.engine.database.scan import DatabaseScanOptions, scan_database

    url = database_url(source)
    engine = connect.open_readonly(connect.parse_url(url), statement_timeout_s=10)
    try:
        total = max(1, len(tables.list_tables(engine, tables.TableFilter())))
    finally:
        engine.dispose()
    done = [0]

    def on_shard(shard: str, rows: int) -> None:
        done[0] += 1
        report(min(99, 100 * done[0] // total), _("%(done)d of %(total)d tables") % {"done": done[0], "total": total})

    options = DatabaseScanOptions(
        workers=1, hash_key=keys.fingerprint_key(), pan_fingerprints=fingerprints.fingerprinter()
    )
    result = scan_database(url, options, on_shard)
    rows = [
        {
            "type": r.type,
            "table": r.table,
            "column": r.column,
            "examples": list(r.examples)[:MAX_EXAMPLES],
            "card_fingerprints": _card_fingerprints(r.type, r.fingerprints),
            "rows_matched": r.rows_matched,
            "rows_scanned": r.rows_checked,
            "match_ratio": round(r.match_ratio, 4),
            "confidence": round(r.confidence, 3),
            "severity": r.severity.label,
            "data_class": str(r.data_class),
            "evidence": r.evidence,
        }
        for r in result.results
    ]
    summary = {
        "items_scanned": len(result.tables),
        "rows_scanned": sum(result.rows_scanned.values()),
        "problems": [_scrub(p, source)[:300] for p in result.problems][:50],
    }
    return rows, summary


def _scan_files(source: DataSource, report: Progress) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    from mamori.discovery.engine.scan import ScanOptions, iter_file_results, list_files

    options = ScanOptions(workers=1, hash_key=keys.fingerprint_key(), pan_fingerprints=fingerprints.fingerprinter())
    root = Path(source.location)
    if not root.exists():
        raise FileNotFoundError(f"the location {source.location} does not exist")
    files, listing_problems = list_files([root], options.limits)
    total = max(1, len(files))
    grouped: dict[tuple[str, str], list[Any]] = defaultdict(list)
    problems = [f"{p.path}: {p.message}" for p in listing_problems]
    for index, result in enumerate(iter_file_results([root], options, files=files), start=1):
        for finding in result.findings:
            grouped[(finding.path, finding.type)].append(finding)
        problems.extend(f"{p.path}: {p.message}" for p in result.problems)
        report(min(99, 100 * index // total), _("%(done)d of %(total)d files") % {"done": index, "total": total})
    rows = [_file_row(path, kind, found) for (path, kind), found in sorted(grouped.items())]
    return rows, {"items_scanned": len(files), "rows_scanned": 0, "problems": problems[:50]}


def _store_findings(scan: Scan, rows: list[dict[str, Any]]) -> None:
    """The findings and, for files, every location of each (up to ``MAX_LOCATIONS``)."""
    places = [row.pop("locations", []) for row in rows]
    stored = ScanFinding.objects.bulk_create([ScanFinding(scan=scan, **row) for row in rows], batch_size=1000)
    values = (
        (finding.pk, p["line"], p["column"], p["sheet"], p["cell"], p["masked"])
        for finding, locations in zip(stored, places, strict=True)
        for p in locations
    )
    _insert_locations(values)


def _insert_locations(values: Iterable[tuple[Any, ...]]) -> None:
    """Plain multi-row INSERTs: a scan can leave hundreds of thousands of locations, and building a model
    instance for each made storing them take as long as the scan itself (docs: measured in locations.md)."""
    meta = FindingLocation._meta
    quote = connection.ops.quote_name
    columns = ["finding_id", "line", "column", "sheet", "cell", "masked"]
    row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
    # Table and column names come from the model, quoted; every value is a parameter.
    head = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(c) for c in columns)}) VALUES "  # noqa: S608
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # COPY: several times faster than INSERT for many rows
            names = ", ".join(quote(c) for c in columns)
            with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({names}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
            return
        while batch := list(islice(values, LOCATION_BATCH)):
            cursor.execute(head + ", ".join([row_sql] * len(batch)), [v for row in batch for v in row])


def _location(finding: Any) -> dict[str, Any]:
    """Where one engine finding is, and its masked value only (the engine never gives more; fingerprints stay
    with the finding and are never shown)."""
    return {
        "line": finding.line,
        "column": str(finding.column or "")[:300],
        "sheet": (finding.sheet or "")[:200],
        "cell": (finding.cell or "")[:40],
        "masked": finding.masked[:300],
    }


def _file_row(path: str, kind: str, found: list[Any]) -> dict[str, Any]:
    first = found[0]
    worst = max(found, key=lambda f: f.severity)
    examples: list[str] = []
    for f in found:
        if f.masked not in examples and len(examples) < MAX_EXAMPLES:
            examples.append(f.masked)
    return {
        "type": kind,
        "path": path[:1000],
        "line": first.line,
        "sheet": (first.sheet or "")[:200],
        "cell": (first.cell or "")[:40],
        "examples": examples,
        "card_fingerprints": _card_fingerprints(kind, [f.fingerprint for f in found]),
        "locations": [_location(f) for f in found[:MAX_LOCATIONS]],
        "rows_matched": len(found),  # every occurrence, also those beyond MAX_LOCATIONS
        "rows_scanned": 0,
        "match_ratio": 0.0,
        "confidence": round(max(f.confidence for f in found), 3),
        "severity": worst.severity.label,
        "data_class": str(worst.data_class),
        "evidence": "values",
    }


def _card_fingerprints(kind: str, values: Iterable[str]) -> list[str]:
    """The distinct slow fingerprints of a card-number finding; nothing for any other type (docs/security.md)."""
    if kind != "credit_card_number":
        return []
    return sorted({v for v in values if v.startswith("s1$")})[: fingerprints.EXAMPLES_PER_LOCATION * 4]


def latest_completed(source: DataSource) -> Scan | None:
    return source.scans.filter(status=ScanStatus.SUCCEEDED).order_by("-finished_at", "-pk").first()


@dataclass
class ScanDiff:
    new: list[ScanFinding] = field(default_factory=list)
    gone: list[ScanFinding] = field(default_factory=list)
    changed: list[tuple[ScanFinding, ScanFinding]] = field(default_factory=list)
    same: int = 0


def diff_scans(old: Scan, new: Scan) -> ScanDiff:
    """What changed from ``old`` to ``new``: by location (column or file) and type."""

    def keyed(scan: Scan) -> dict[tuple[str, str], ScanFinding]:
        return {(f.location_key, f.type): f for f in scan.findings.all()}

    before, after = keyed(old), keyed(new)
    result = ScanDiff()
    for key, finding in after.items():
        earlier = before.get(key)
        if earlier is None:
            result.new.append(finding)
        elif (earlier.rows_matched, earlier.severity) != (finding.rows_matched, finding.severity):
            result.changed.append((earlier, finding))
        else:
            result.same += 1
    result.gone = [f for key, f in before.items() if key not in after]
    return result


# --------------------------------------------------------------------------------------------------
# Reconciliation


@dataclass
class Gap:
    """One difference between what the ledger declares and what a completed scan found; ``record`` is what was
    already recorded for it (its risk and/or nonconformity), or None."""

    kind: str
    source: DataSource
    type: str
    scan: Scan | None
    finding: ScanFinding | None
    ledger_entry: Any
    description: str
    record: GapRecord | None = None

    @property
    def key(self) -> str:
        return f"{self.source.pk}:{self.kind}:{self.type}"

    @property
    def evidence_ref(self) -> str:
        if self.scan is None:
            return f"source:{self.source.pk}"
        if self.finding is None:
            return f"scan:{self.scan.pk}"
        return f"scan:{self.scan.pk}/finding:{self.finding.pk}"

    @property
    def always_nonconformity(self) -> bool:
        """Prohibited card data and undeclared My Number break a rule outright: a nonconformity, never a risk."""
        return self.kind in (GapKind.PROHIBITED, GapKind.MY_NUMBER)

    @property
    def is_my_number(self) -> bool:
        return self.kind == GapKind.MY_NUMBER

    @property
    def kind_label(self) -> str:
        return str(GapKind(self.kind).label)


# Most urgent first: My Number has its own law (番号法) and its own penalties, then card data that must not be kept.
GAP_ORDER: dict[str, int] = {GapKind.MY_NUMBER: 0, GapKind.PROHIBITED: 1, GapKind.UNDECLARED: 2, GapKind.UNSEEN: 3}
MY_NUMBER = "my_number"


def prohibited_types() -> frozenset[str]:
    """Types that must never be stored, not even where card numbers may be kept (security code, track data):
    the scanner registry's never-store set (imported on use: the registry compiles every detector's patterns)."""
    from mamori.discovery.engine.registry import NEVER_STORE_TYPES

    return NEVER_STORE_TYPES


def _type_label(kind: str) -> str:
    from mamori.ledger.models import ScannerType

    return str(dict(ScannerType.choices).get(kind, kind))


def reconcile(source: DataSource | None = None, sources: Iterable[DataSource] | None = None) -> list[Gap]:
    """Gaps between what the ledger declares and what the latest completed scans found, most urgent first, each
    with what was already recorded for it.

    (a) My Number found where no linked entry declares it (番号法: first, marked); (b) prohibited card data, or
    card numbers where the linked entries declare card data not retained (非保持); (c) another type found whose
    data category no linked ledger entry lists; (d) a declared category with a scanner type that the latest
    completed scan did not find. Archived sources are left out.
    """
    if source is not None:
        chosen: Iterable[DataSource] = [source]
    elif sources is not None:
        chosen = sources
    else:
        chosen = DataSource.objects.filter(archived_at__isnull=True)
    gaps: list[Gap] = []
    for item in chosen:
        gaps.extend(_source_gaps(item))
    _attach_records(gaps)
    return sorted(gaps, key=lambda g: GAP_ORDER.get(g.kind, len(GAP_ORDER)))  # stable: sources keep their order


def _declared(entries: list[Any]) -> dict[str, Any]:
    declared: dict[str, Any] = {}
    for entry in entries:
        for category in entry.categories.all():
            if category.scanner_type:
                declared.setdefault(category.scanner_type, entry)
            if category.my_number:
                declared.setdefault(MY_NUMBER, entry)
    return declared


def _source_gaps(source: DataSource, scan: Scan | None = None) -> list[Gap]:
    """The gaps of ``source`` against ``scan`` (by default its latest completed scan)."""
    scan = scan or latest_completed(source)
    if scan is None:
        return []
    entries = list(source.ledger_entries.prefetch_related("categories"))
    declared = _declared(entries)
    retains_cards = any(e.card_data_retained for e in entries)
    first_entry = entries[0] if entries else None
    findings: dict[str, ScanFinding] = {}
    places: dict[str, list[str]] = defaultdict(list)
    for finding in scan.findings.order_by("-rows_matched", "pk"):
        findings.setdefault(finding.type, finding)
        places[finding.type].append(finding.location)
    gaps: list[Gap] = []
    for kind, finding in sorted(findings.items()):
        values = {"type": _type_label(kind), "where": _places(places[kind])}
        if kind in prohibited_types() or (kind == CARD_NUMBER and not retains_cards):
            text = _("%(type)s found in %(where)s; this data must not be stored here.") % values
            gaps.append(Gap(GapKind.PROHIBITED, source, kind, scan, finding, first_entry, text))
        elif kind == MY_NUMBER and kind not in declared:
            text = (
                _(
                    "%(type)s found in %(where)s but no linked ledger entry declares it. My Number may be kept only "
                    "for the purposes the My Number Act (番号法) allows: find out at once why it is there."
                )
                % values
            )
            gaps.append(Gap(GapKind.MY_NUMBER, source, kind, scan, finding, first_entry, text))
        elif kind not in declared:
            text = _("%(type)s found in %(where)s but no linked ledger entry declares it.") % values
            gaps.append(Gap(GapKind.UNDECLARED, source, kind, scan, finding, first_entry, text))
    for kind, entry in sorted(declared.items()):
        if kind not in findings:
            text = _("%(entry)s declares %(type)s, but the latest scan of %(source)s did not find it.") % {
                "entry": entry,
                "type": _type_label(kind),
                "source": source,
            }
            gaps.append(Gap(GapKind.UNSEEN, source, kind, scan, None, entry, text))
    return gaps


def _places(locations: list[str], shown: int = 5) -> str:
    text = ", ".join(locations[:shown])
    if len(locations) > shown:
        text += " " + _("and %(count)d more") % {"count": len(locations) - shown}
    return text


def open_records(sources: Iterable[DataSource]) -> QuerySet[GapRecord]:
    """Records of gaps that no later scan has resolved yet."""
    ids = [s.pk for s in sources]
    return GapRecord.objects.filter(source_id__in=ids, resolved_by__isnull=True).select_related("risk", "nonconformity")


def _attach_records(gaps: list[Gap]) -> None:
    records = {r.key: r for r in open_records({g.source.pk: g.source for g in gaps}.values())}
    for gap in gaps:
        gap.record = records.get(gap.key)


def resolved_records(sources: Iterable[DataSource], limit: int = 50) -> list[GapRecord]:
    """Recorded gaps that a later scan no longer showed, newest first, with the scan that resolved them."""
    ids = [s.pk for s in sources]
    records = GapRecord.objects.filter(source_id__in=ids, resolved_by__isnull=False).select_related(
        "source", "risk", "nonconformity", "resolved_by"
    )
    return list(records.order_by("-resolved_at", "-pk")[:limit])


def find_gap(source: DataSource, key: str) -> Gap:
    for gap in reconcile(source):
        if gap.key == key:
            return gap
    raise ValidationError(_("This gap is no longer there; reload the reconciliation page."))


@dataclass(frozen=True)
class Recorded:
    """What a press of リスク or 不適合 led to: the record, and whether it was made now or already existed."""

    item: Any
    created: bool


def _actor_user(actor: Actor) -> Any:
    return None if policy.is_system(actor) or not getattr(actor, "pk", None) else actor


def _open_record(gap: Gap) -> GapRecord:
    """The open record of ``gap``, made on first use; the source row is locked so two presses make one record."""
    DataSource.objects.select_for_update().filter(pk=gap.source.pk).first()
    record = GapRecord.objects.filter(source=gap.source, kind=gap.kind, type=gap.type, resolved_by__isnull=True).first()
    if record is None:
        record = GapRecord.objects.create(source=gap.source, kind=gap.kind, type=gap.type)
    if gap.scan is not None:
        GapEvidence.objects.get_or_create(record=record, scan=gap.scan, defaults={"finding": gap.finding})
    return record


def _still_open(item: Any) -> bool:
    return item is not None and item.archived_at is None


def gap_to_risk(actor: Actor, gap: Gap) -> Recorded:
    """Record ``gap`` as a risk of its ledger entry, or give the risk already recorded for it (no duplicate)."""
    from mamori.risk import services as risk_services

    policy.check(actor, Action.ADD, RECONCILIATION)
    if gap.ledger_entry is None:
        raise ValidationError(_("Link the data source to a ledger entry before recording a risk for it."))
    if gap.always_nonconformity:
        raise ValidationError(_("This gap breaks a rule outright; record it as a nonconformity."))
    with transaction.atomic():
        record = _open_record(gap)
        if _still_open(record.risk):
            return Recorded(record.risk, False)
        threat = "over_retention" if gap.kind == GapKind.PROHIBITED else "other"
        risk = risk_services.create_risk_from_gap(
            actor, gap.ledger_entry, "store", threat, gap.description, gap.evidence_ref
        )
        record.risk = risk
        record.save(update_fields=["risk"])
    return Recorded(risk, True)


def gap_to_nonconformity(actor: Actor, gap: Gap) -> Recorded:
    """Record ``gap`` as a nonconformity, or give the one already recorded for it (no duplicate)."""
    from mamori.risk import services as risk_services
    from mamori.risk.models import NonconformitySource

    policy.check(actor, Action.ADD, RECONCILIATION)
    title = _("Reconciliation: %(type)s at %(source)s") % {"type": _type_label(gap.type), "source": gap.source}
    if gap.is_my_number:
        title = _("My Number Act (番号法): %(type)s at %(source)s") % {
            "type": _type_label(gap.type),
            "source": gap.source,
        }
    with transaction.atomic():
        record = _open_record(gap)
        if _still_open(record.nonconformity):
            return Recorded(record.nonconformity, False)
        item = risk_services.create_nonconformity(
            actor,
            title=title[:200],
            description=gap.description,
            source=NonconformitySource.RECONCILIATION,
            evidence_ref=gap.evidence_ref,
            evidence={"source": "reconciliation", "ref": gap.evidence_ref, "gap": gap.kind, "type": gap.type},
        )
        record.nonconformity = item
        record.save(update_fields=["nonconformity"])
    return Recorded(item, True)


def follow_up_gaps(scan: Scan) -> None:
    """After a completed scan: each recorded gap of its source that the scan still shows gets the scan (and
    finding) added to its evidence; each one it no longer shows is marked resolved by this scan. Audited as the
    system (the scan job), on the risk or nonconformity the record points at."""
    if scan.status != ScanStatus.SUCCEEDED:
        return
    records = list(open_records([scan.source]))
    if not records:
        return
    current = {gap.key: gap for gap in _source_gaps(scan.source, scan)}
    now = timezone.now()
    for record in records:
        targets_ = [t for t in (record.risk, record.nonconformity) if t is not None]
        gap = current.get(record.key)
        if gap is not None:
            _evidence, added = GapEvidence.objects.get_or_create(
                record=record, scan=scan, defaults={"finding": gap.finding}
            )
            if added:
                for target in targets_:
                    audit.record(policy.SYSTEM, "gap_evidence_added", target, message=gap.evidence_ref)
            continue
        record.resolved_by = scan
        record.resolved_at = now
        record.save(update_fields=["resolved_by", "resolved_at"])
        for target in targets_:
            audit.record(policy.SYSTEM, "gap_resolved", target, message=f"scan:{scan.pk}")


def recorded_for_findings(actor: Actor, scan: Scan) -> dict[int, list[Any]]:
    """For each finding of ``scan``: the risks and nonconformities recorded with it as evidence (what points at
    it), for a reader who may see them."""
    if not policy.can(actor, Action.VIEW, "risk"):
        return {}
    found: dict[int, list[Any]] = defaultdict(list)
    rows = GapEvidence.objects.filter(scan=scan, finding__isnull=False).select_related(
        "record__risk", "record__nonconformity"
    )
    for row in rows:
        for item in (row.record.risk, row.record.nonconformity):
            if item is not None and row.finding_id is not None:
                found[row.finding_id].append(item)
    return dict(found)


@dataclass(frozen=True)
class EvidenceLink:
    url: str
    label: str


def evidence_link(ref: str) -> EvidenceLink | None:
    """A stored reference (``scan:12/finding:34``, ``scan:12``) as a link to the scan page and finding, with a
    label a person reads (走査 #12・検出 #34); None for text that is no such reference."""
    from django.urls import reverse

    parts = dict(part.split(":", 1) for part in (ref or "").split("/") if part.count(":") == 1)
    audit_id, item_id = parts.get("internal-audit", ""), parts.get("item", "")
    if audit_id.isdigit() and audit_id.isascii():  # raised from an internal audit's checklist (pms)
        label = _("Internal audit #%(audit)s, item #%(item)s") % {"audit": audit_id, "item": item_id or "—"}
        return EvidenceLink(reverse("pms:audit_detail", args=[int(audit_id)]), label)
    complaint_id = parts.get("complaint", "")
    if complaint_id.isdigit() and complaint_id.isascii():  # opened from a complaint (pms)
        return EvidenceLink(
            reverse("pms:complaint_detail", args=[int(complaint_id)]), _("Complaint #%(id)s") % {"id": complaint_id}
        )
    scan_id, finding_id = parts.get("scan", ""), parts.get("finding", "")
    if not scan_id.isdigit():
        return None
    url = reverse("discovery:evidence") + "?ref=" + ref.replace("/", "%2F").replace(":", "%3A")
    if finding_id.isdigit():
        return EvidenceLink(url, _("Scan #%(scan)s, finding #%(finding)s") % {"scan": scan_id, "finding": finding_id})
    return EvidenceLink(url, _("Scan #%(scan)s") % {"scan": scan_id})


@dataclass(frozen=True)
class SourceFindings:
    """A data source linked to a ledger entry, its latest completed scan and one finding of each type it found."""

    source: DataSource
    scan: Scan | None
    findings: list[ScanFinding]


def findings_for_entry(actor: Actor, entry: Any) -> list[SourceFindings]:
    """What points at a ledger entry from discovery: its data sources in use (those the actor may see), each with
    its latest completed scan and the types that scan found (for the ledger page's links)."""
    shown: list[SourceFindings] = []
    for source in policy.scope(actor, SOURCE, entry.data_sources.filter(archived_at__isnull=True)):
        scan = latest_completed(source) if policy.can(actor, Action.VIEW, SCAN) else None
        by_type: dict[str, ScanFinding] = {}
        if scan is not None:
            for finding in scan.findings.filter(confidence__gte=shown_confidence()).order_by("-rows_matched", "pk"):
                by_type.setdefault(finding.type, finding)
        shown.append(SourceFindings(source, scan, list(by_type.values())))
    return shown


def records_for(item: Any) -> list[GapRecord]:
    """The reconciliation records a risk or nonconformity was made from, with every scan that showed the gap."""
    return list(item.gaps.select_related("source", "resolved_by").prefetch_related("evidence__scan").order_by("pk"))


def categories_for(kind: str) -> QuerySet[DataCategory]:
    return DataCategory.objects.filter(scanner_type=kind)
