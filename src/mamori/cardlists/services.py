"""Card-company lists: import, archive, matching, reading and export — every state change is one function here.

Views, the API, the CLI and the background job call these; each checks the actor through
``mamori.accounts.policy`` and writes its audit entry in the same transaction. No function here stores, logs or
raises with a clear card number: the import masks and fingerprints each number while the row is read.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.accounts import policy
from mamori.accounts.policy import SYSTEM, Action, Actor
from mamori.audit import services as audit
from mamori.cardlists import hashing, reader
from mamori.cardlists.matching import (
    CARD_NUMBER,
    PENDING,
    Hit,
    ListFingerprinter,
    PersonLink,
    scan_columns,
    scan_files,
)
from mamori.cardlists.models import CardList, CardListEntry, CardMatch, ListStatus, MatchKind, MatchRun, RunStatus
from mamori.core import actions, keys
from mamori.core.uploads import check_upload
from mamori.discovery import fingerprints
from mamori.discovery.engine.masking import mask_card
from mamori.discovery.models import DataSource, ScanFinding, SourceKind
from mamori.evidence.models import Evidence
from mamori.incidents.models import IncidentCase

log = logging.getLogger("mamori.cardlists")

LIST = "card_list"
MATCH = "card_match"
CASE = "incident_case"
TASK = "cardlists.match"
MAX_PROBLEMS = 1_000  # rejected rows kept with the list (all are counted)
ENTRY_BATCH = 1_000
Progress = Callable[[int, str], None]


# --------------------------------------------------------------------------------------------------
# Reading


def visible_lists(actor: Actor, case: IncidentCase | None = None) -> QuerySet[CardList]:
    lists = CardList.objects.select_related("case", "imported_by")
    if case is not None:
        lists = lists.filter(case=case)
    return policy.scope(actor, LIST, lists)


def get_list(actor: Actor, pk: object) -> CardList:
    return policy.get_visible(actor, LIST, CardList.objects.select_related("case"), pk=pk)


def counts(card_list: CardList) -> dict[str, int]:
    """Rows, accepted, rejected, and what the latest finished run matched (entries, matches, people)."""
    run = latest_run(card_list)
    return {
        "rows": card_list.rows,
        "accepted": card_list.accepted,
        "rejected": card_list.rejected,
        "matched_entries": run.matched_entries if run else 0,
        "matches": run.matches_count if run else 0,
        "people_linked": run.people_linked if run else 0,
    }


def latest_run(card_list: CardList) -> MatchRun | None:
    return card_list.runs.filter(status=RunStatus.SUCCEEDED).order_by("-finished_at", "-pk").first()


def matches(actor: Actor, card_list: CardList, run: MatchRun | None = None) -> QuerySet[CardMatch]:
    """The matches of the list's latest completed run (or of ``run``), masks only."""
    policy.check(actor, Action.VIEW, LIST, card_list)
    run = run or latest_run(card_list)
    found = CardMatch.objects.filter(run=run) if run else CardMatch.objects.none()
    found = found.select_related("entry", "source", "evidence", "person", "finding")
    return policy.scope(actor, MATCH, found)


def record_matches_read(actor: Actor, card_list: CardList, where: str) -> None:
    """A read of matches (page or API) is a sensitive read: one audit entry per read."""
    policy.check(actor, Action.VIEW, MATCH)
    audit.record(actor, "card_matches_read", card_list, message=where)


# --------------------------------------------------------------------------------------------------
# Import


@dataclass
class ImportOutcome:
    """What an import read, before anything is stored. ``numbers`` hold clear digits: in memory, briefly."""

    rows: int = 0
    numbers: list[reader.Number] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    rejected: int = 0

    def forget(self) -> None:
        """Drop the clear numbers (the strings go when nothing refers to them any more)."""
        for number in self.numbers:
            number.digits = ""
        self.numbers.clear()


def file_digest(data: bytes) -> str:
    """HMAC-SHA256 of the file under the fingerprint key: identifies the file received, like a SHA-256 would,
    but cannot be used to test guesses (a file with one number and a known header would fall to a plain hash)."""
    return hmac.new(keys.fingerprint_key(), data, hashlib.sha256).hexdigest()


def _clean_text(value: str, name: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({name: _("This field is required.")})
    return value[:limit]


def read_list(data: bytes, file_name: str) -> tuple[reader.Layout, ImportOutcome]:
    """Parse the file in memory: the valid numbers (clear, to be fingerprinted at once) and the rejected rows."""
    check_upload(data)
    rows = reader.rows_of(data, file_name)
    layout = reader.detect_layout(rows)
    outcome = ImportOutcome()
    for item in reader.numbers(rows, layout):
        if item is None:
            continue
        outcome.rows += 1
        if isinstance(item, reader.Rejected):
            outcome.rejected += 1
            if len(outcome.problems) < MAX_PROBLEMS:
                outcome.problems.append({"row": item.row, "problem": item.problem})
            continue
        outcome.numbers.append(item)
    rows.clear()
    return layout, outcome


def _entries(card_list: CardList, numbers: list[reader.Number], progress: Progress | None) -> list[CardListEntry]:
    """Mask and fingerprint (the scanner's key and cost) each number; nothing else of it is kept."""
    total = max(1, len(numbers))

    def report(done: int) -> None:
        if progress:
            progress(int(done * 100 / total), _("%(done)d of %(total)d numbers") % {"done": done, "total": total})

    values = hashing.fingerprint_all(keys.fingerprint_key(), [n.digits for n in numbers], fingerprints.cost(), report)
    return [
        CardListEntry(
            card_list=card_list,
            row=n.row,
            mask=mask_card(n.digits),
            fingerprint=value,
            brand=n.brand,
            details=n.details,
        )
        for n, value in zip(numbers, values, strict=True)
    ]


def background_from() -> int:
    """Lists with at least this many numbers are fingerprinted after the request returns."""
    return int(getattr(settings, "MAMORI_CARDLIST_BACKGROUND_FROM", 500))


def import_list(
    actor: Actor,
    case: IncidentCase,
    *,
    data: bytes,
    file_name: str,
    received_from: str,
    received_at: dt.date | None,
    note: str = "",
    background: bool | None = None,
    progress: Progress | None = None,
) -> CardList:
    """Import a card company's list (CSV or XLSX held in memory): masks and fingerprints only are stored.

    ``background`` (default: from ``MAMORI_CARDLIST_BACKGROUND_FROM`` numbers on) stores the list at once as
    "fingerprinting" and hashes in a thread of this process, the numbers in its memory only; a list whose
    process stopped before the end is marked failed and must be imported again (the file was never stored)."""
    policy.check(actor, Action.VIEW, CASE, case)
    policy.check(actor, Action.ADD, LIST)
    received_from = _clean_text(received_from, "received_from", 200)
    if received_at is None:
        raise ValidationError({"received_at": _("Enter the date the list was received.")})
    name = Path(_clean_text(file_name, "file", 255)).name[:255]
    layout, outcome = read_list(data, name)
    if not outcome.numbers:
        shown = "; ".join(_("row %(row)d: %(problem)s") % p for p in outcome.problems[:5])
        raise ValidationError(
            {"file": _("No valid card number in the file. %(problems)s") % {"problems": shown}}, code="nothing"
        )
    if background is None:
        background = len(outcome.numbers) >= background_from()
    card_list = CardList(
        case=case,
        received_from=received_from,
        received_at=received_at,
        file_name=name,
        file_sha256=file_digest(data),
        card_column=layout.card_column_name,
        kept_columns=list(layout.kept.values()),
        rows=outcome.rows,
        accepted=len(outcome.numbers),
        rejected=outcome.rejected,
        problems=outcome.problems,
        note=(note or "").strip(),
        status=ListStatus.IMPORTING if background else ListStatus.READY,
        imported_by=actor if getattr(actor, "pk", None) and not policy.is_system(actor) else None,
    )
    try:
        entries = [] if background else _entries(card_list, outcome.numbers, progress)
        with transaction.atomic():
            card_list.save()
            CardListEntry.objects.bulk_create(entries, batch_size=ENTRY_BATCH)
            audit.record(
                actor,
                "card_list_imported",
                card_list,
                changes={
                    "case": [None, case.pk],
                    "received_from": [None, received_from],
                    "file_name": [None, name],
                    "rows": [None, outcome.rows],
                    "accepted": [None, len(outcome.numbers)],
                    "rejected": [None, outcome.rejected],
                },
            )
            if background:
                numbers, outcome.numbers = outcome.numbers, []
                transaction.on_commit(lambda: _start_thread(card_list.pk, numbers))
    finally:
        outcome.forget()
    return card_list


def _start_thread(pk: int, numbers: list[reader.Number]) -> None:
    thread = threading.Thread(target=finish_import, args=(pk, numbers), name=f"cardlist-{pk}", daemon=True)
    _THREADS[pk] = thread
    thread.start()


_THREADS: dict[int, threading.Thread] = {}


def finish_import(pk: int, numbers: list[reader.Number]) -> None:
    """Fingerprint a list started in the background and store its entries in one transaction, or mark it failed
    (the reason names the error's type only: a message could quote a value)."""
    from django.db import connection

    try:
        card_list = CardList.objects.get(pk=pk)
        entries = _entries(card_list, numbers, None)
        with transaction.atomic():
            CardListEntry.objects.bulk_create(entries, batch_size=ENTRY_BATCH)
            CardList.objects.filter(pk=pk).update(status=ListStatus.READY)
    except Exception as exc:
        log.error("cardlists: fingerprinting list %s failed (%s)", pk, type(exc).__name__)
        _fail_import(
            pk, _("Fingerprinting stopped (%(error)s); import the file again.") % {"error": type(exc).__name__}
        )
    finally:
        for number in numbers:
            number.digits = ""
        numbers.clear()
        _THREADS.pop(pk, None)
        connection.close()


def _fail_import(pk: int, reason: str) -> None:
    with transaction.atomic():
        card_list = CardList.objects.filter(pk=pk, status=ListStatus.IMPORTING).first()
        if card_list is None:
            return
        card_list.status, card_list.error = ListStatus.FAILED, reason
        card_list.save(update_fields=["status", "error"])
        audit.record(SYSTEM, "card_list_import_failed", card_list, message=reason)


STALE_IMPORT = dt.timedelta(hours=6)


def fail_stale_imports() -> int:
    """Lists still "fingerprinting" long after their import began: the process that held the numbers is gone."""
    stale = CardList.objects.filter(status=ListStatus.IMPORTING, imported_at__lt=timezone.now() - STALE_IMPORT)
    pks = [pk for pk in stale.values_list("pk", flat=True) if pk not in _THREADS]
    for pk in pks:
        _fail_import(pk, _("The server stopped before the list was fingerprinted; import the file again."))
    return len(pks)


def wait_for_import(pk: int, timeout: float | None = None) -> None:
    """Wait for a background import of this process to end (tests, the CLI)."""
    thread = _THREADS.get(pk)
    if thread is not None:
        thread.join(timeout)


def archive_list(actor: Actor, card_list: CardList, reason: str) -> CardList:
    """Archive a list with a reason (a list is evidence: never deleted)."""
    return actions.archive_record(
        actor,
        LIST,
        card_list,
        reason,
        audit_action="card_list_archived",
        no_reason=_("Give a reason; it is kept with the list."),
        already=_("This list is already archived."),
    )


# --------------------------------------------------------------------------------------------------
# Matching: starting it


def matchable_sources(actor: Actor) -> QuerySet[DataSource]:
    return policy.scope(actor, "data_source", DataSource.objects.all())


def matchable_evidence(actor: Actor, case: IncidentCase) -> QuerySet[Evidence]:
    copies = Evidence.objects.filter(case=case, kind="preserved_copy", destroyed_at__isnull=True).exclude(blob_name="")
    return policy.scope(actor, "evidence", copies)


def start_matching(
    actor: Actor,
    card_list: CardList,
    *,
    sources: Sequence[DataSource] = (),
    evidence: Sequence[Evidence] = (),
    include_findings: bool = True,
    include_people: bool = True,
) -> MatchRun:
    """Queue a matching run of the list (job ``cardlists.match``)."""
    from mamori.jobs.services import enqueue

    policy.check(actor, Action.CHANGE, LIST, card_list)
    if card_list.archived_at:
        raise ValidationError(_("This list is archived; import it again to match it."))
    if card_list.status != ListStatus.READY:
        raise ValidationError(_("This list is not ready: it is still being fingerprinted, or its import failed."))
    for source in sources:
        policy.check(actor, Action.VIEW, "data_source", source)
    for copy in evidence:
        policy.check(actor, Action.READ_PRESERVED, "evidence", copy)
        if copy.case_id != card_list.case_id or not copy.is_preserved_copy:
            raise ValidationError({"evidence": _("Choose preserved copies of this list's case.")})
    if not (sources or evidence or include_findings):
        raise ValidationError(_("Choose at least one place to look: a data source, a preserved copy or the findings."))
    with transaction.atomic():
        run = MatchRun.objects.create(
            card_list=card_list,
            include_findings=include_findings,
            include_people=include_people,
            started_by=actor if getattr(actor, "pk", None) and not policy.is_system(actor) else None,
        )
        run.sources.set(sources)
        run.evidence.set(evidence)
        audit.record(
            actor,
            "card_matching_started",
            card_list,
            changes={
                "run": [None, run.pk],
                "sources": [None, [s.pk for s in sources]],
                "evidence": [None, [e.pk for e in evidence]],
                "findings": [None, include_findings],
            },
        )
        run.job = enqueue(SYSTEM if policy.is_system(actor) else actor, TASK, run_id=run.pk)
        run.save(update_fields=["job"])
    return run


# --------------------------------------------------------------------------------------------------
# Matching: the job


@dataclass
class _Found:
    hit: Hit
    kind: str
    source: DataSource | None = None
    evidence: Evidence | None = None
    evidence_sha256: str = ""
    finding: ScanFinding | None = None
    person_table: str = ""  # the scoping's table when this place could name a person


def run_matching(run_id: int, progress: Progress | None = None) -> MatchRun:
    """Match one queued run: findings, sources, preserved copies, then link matches to the affected list."""
    report = progress or (lambda _p, _m: None)
    run = MatchRun.objects.select_related("card_list__case").get(pk=run_id)
    MatchRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, started_at=timezone.now())
    entries = list(run.card_list.entries.values_list("pk", "mask", "fingerprint"))
    by_fingerprint: dict[str, list[int]] = {}
    for pk, _mask, value in entries:
        by_fingerprint.setdefault(value, []).append(pk)
    fingerprinter = ListFingerprinter(
        key=keys.fingerprint_key(),
        cost=fingerprints.cost(),
        per_location=10**9,
        masks=frozenset(m for _pk, m, _v in entries),
        wanted=frozenset(by_fingerprint),
    )
    scoping = _current_scoping(run.card_list.case) if run.include_people else None
    notes: list[str] = []
    found: list[_Found] = []
    if run.include_findings:
        report(5, _("stored findings"))
        found += _match_findings(by_fingerprint)
    sources = list(run.sources.all())
    copies = list(run.evidence.all())
    steps = max(1, len(sources) + len(copies))
    for i, source in enumerate(sources):
        report(10 + int(80 * i / steps), str(source))
        found += _match_source(source, fingerprinter, scoping, notes)
    for i, copy in enumerate(copies, start=len(sources)):
        report(10 + int(80 * i / steps), copy.name)
        found += _match_copy(copy, fingerprinter, scoping, notes)
    report(90, _("fingerprinting the numbers found"))
    found = _resolved(found, fingerprinter)
    report(95, _("linking the affected list"))
    return _store(run, found, by_fingerprint, scoping, notes, fingerprinter.hashed)


def _resolved(found: list[_Found], fingerprinter: ListFingerprinter) -> list[_Found]:
    """Hash the candidates the re-reads marked (all at once, on every core) and keep those on the list."""
    resolved = fingerprinter.resolve()
    kept = []
    for item in found:
        if item.hit.fingerprint.startswith(PENDING):
            value = resolved.get(item.hit.fingerprint)
            if value is None:
                continue
            item.hit.fingerprint = value
        kept.append(item)
    return kept


def _current_scoping(case: IncidentCase) -> Any:
    try:
        from mamori.scoping.services import current_scoping
    except ImportError:  # the scoping app is not installed in this build
        return None
    return current_scoping(case)


def _match_findings(by_fingerprint: dict[str, list[int]]) -> list[_Found]:
    """Stored scanner findings whose fingerprints are on the list (same key and cost: equal strings)."""
    out = []
    stored = ScanFinding.objects.filter(type=CARD_NUMBER).exclude(card_fingerprints=[]).select_related("scan__source")
    for finding in stored.iterator():
        for value in finding.card_fingerprints or []:
            if value in by_fingerprint:
                hit = Hit(value, finding.location[:600])
                out.append(_Found(hit, MatchKind.FINDING, source=finding.scan.source, finding=finding))
    return out


def _person_link(conn: Any, scoping: Any, notes: list[str]) -> PersonLink | None:
    """The scoping's table and identity expression on this connection, or None (with a note saying why)."""
    try:
        from mamori.scoping import mapping, query

        wanted = mapping.parse(scoping.mapping)
        # Only the identity's columns matter here (key, member id, e-mail); a copy missing a contact column
        # can still name the person.
        wanted.date_column = wanted.payment_column = wanted.pref_table = wanted.pref_column = ""
        wanted.contact, wanted.filters = {}, []
        bound = mapping.bind(conn, wanted, scoping.preset)
        return PersonLink(bound.table, query.identity_expression(bound))
    except Exception as exc:  # a mapping that does not fit this database: say so, match without people
        notes.append(_("The rows cannot be linked to people: %(reason)s") % {"reason": str(exc)[:300]})
        return None


def _database_hits(
    url: Any, columns: list[tuple[str, str]] | None, fingerprinter: ListFingerprinter, scoping: Any, notes: list[str]
) -> tuple[list[Hit], str]:
    from mamori.cardlists.matching import text_columns
    from mamori.discovery.engine.database import connect

    timeout = float(getattr(settings, "MAMORI_PRESERVE_STATEMENT_TIMEOUT", 3600))
    engine = connect.open_readonly(url, statement_timeout_s=timeout)
    try:
        with engine.connect() as conn:
            link = _person_link(conn, scoping, notes) if scoping is not None else None
            if not columns:
                columns = text_columns(conn)
            hits, problems = scan_columns(conn, columns, fingerprinter, link)
    finally:
        engine.dispose()
    notes.extend(problems)
    return hits, (link.table.name if link else "")


def _card_columns(source: DataSource) -> list[tuple[str, str]]:
    """The columns the source's scans found card numbers in (any scan: a column found once is read again)."""
    found = ScanFinding.objects.filter(scan__source=source, type=CARD_NUMBER).exclude(table="")
    return sorted(set(found.values_list("table", "column")))


def _match_source(source: DataSource, fingerprinter: ListFingerprinter, scoping: Any, notes: list[str]) -> list[_Found]:
    from mamori.discovery import services as discovery
    from mamori.discovery.engine.database import connect

    try:
        discovery.check_target(source)
        if source.kind == SourceKind.DATABASE:
            columns = _card_columns(source)
            if not columns:
                notes.append(
                    _("%(source)s: no scan has found card numbers in it; every text column was read.")
                    % {"source": source}
                )
            same = scoping is not None and scoping.source_id == source.pk
            url = connect.parse_url(discovery.database_url(source))
            hits, table = _database_hits(url, columns, fingerprinter, scoping if same else None, notes)
            return [_Found(h, MatchKind.SOURCE, source=source, person_table=table) for h in hits]
        paths = _file_paths(source)
        hits, problems = scan_files(paths, fingerprinter)
        notes.extend(f"{source}: {p}" for p in problems[:50])
        return [_Found(h, MatchKind.SOURCE, source=source) for h in hits]
    except Exception as exc:  # one unreadable source must not lose the others' matches
        notes.append(_("%(source)s could not be read: %(reason)s") % {"source": source, "reason": _scrub(exc)})
        return []


def _file_paths(source: DataSource) -> list[str]:
    """The files a scan found card numbers in, when they are still inside the source; else the whole location."""
    root = Path(source.location).resolve()
    found = ScanFinding.objects.filter(scan__source=source, type=CARD_NUMBER, table="").values_list("path", flat=True)
    paths = sorted({p for p in found if p and Path(p).is_absolute() and Path(p).resolve().is_relative_to(root)})
    return [p for p in paths if Path(p).exists()] or [str(root)]


def _scrub(exc: BaseException) -> str:
    """An error in words without a password; driver messages may quote SQL, never a value we read."""
    from mamori.discovery.engine.database import connect

    text = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
    return connect.redact(text)


def temp_root() -> Path:
    return Path(settings.DATA_DIR) / "cardlists-tmp"


def _match_copy(copy: Evidence, fingerprinter: ListFingerprinter, scoping: Any, notes: list[str]) -> list[_Found]:
    """Decrypt a preserved copy into a private temporary folder, read it, delete it whatever happens."""
    from mamori.env import make_private_dir
    from mamori.evidence import services as evidence_services
    from mamori.evidence import storage
    from mamori.evidence.models import CustodyAction

    folder = temp_root() / uuid.uuid4().hex
    make_private_dir(folder)
    path = folder / "copy"
    try:
        with path.open("wb") as out:  # inside a 0700 folder; removed in finally
            path.chmod(0o600)
            for chunk in storage.checked_stream(copy.blob_name, copy.encrypted, copy.sha256):
                out.write(chunk)
        with transaction.atomic():
            evidence_services.custody(
                SYSTEM, copy, CustodyAction.VIEWED, reason="card-list matching (read, not given out)"
            )
        with path.open("rb") as handle:
            is_sqlite = handle.read(16) == b"SQLite format 3\x00"
        if is_sqlite:
            from mamori.discovery.engine.database import connect

            same = scoping is not None and scoping.evidence_id == copy.pk
            url = connect.parse_url(f"sqlite:///{path}")
            hits, table = _database_hits(url, None, fingerprinter, scoping if same else None, notes)
        else:
            named = path.with_name(Path(copy.name).name or "copy")
            if named != path:
                path.rename(named)
                path = named
            hits, problems = scan_files([path], fingerprinter)
            notes.extend(f"{copy.name}: {p.replace(str(folder), '')}" for p in problems[:50])
            table = ""
        return [
            _Found(h, MatchKind.EVIDENCE, evidence=copy, evidence_sha256=copy.sha256, person_table=table) for h in hits
        ]
    except Exception as exc:
        notes.append(_("%(copy)s could not be read: %(reason)s") % {"copy": copy.name, "reason": _scrub(exc)})
        return []
    finally:
        _remove_tree(folder)


def _remove_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_dir() and not path.is_symlink():
            path.rmdir()
        else:
            path.unlink(missing_ok=True)
    folder.rmdir()


def remove_stale_temp_files() -> int:
    """Remove temporary copies left by a worker that died mid-run (they may hold clear data)."""
    root = temp_root()
    if not root.is_dir():
        return 0
    running = MatchRun.objects.filter(status=RunStatus.RUNNING).exists()
    removed = 0
    for folder in root.iterdir():
        if folder.is_dir() and not running:
            _remove_tree(folder)
            removed += 1
    return removed


def _person_note(item: _Found, scoping: Any) -> str:
    if scoping is None:
        return _("The case has no affected list (scoping) yet.")
    if item.kind == MatchKind.FINDING:
        return _("A stored finding names a column or file, not a row: no person can be named.")
    if not item.person_table:
        return _("Found outside the scoping's source or table: the row cannot be linked to a person.")
    if not item.hit.in_person_table:
        return _(
            "Found in %(location)s, not in the scoping's table %(table)s: the row cannot be linked to a person."
        ) % {
            "location": item.hit.location,
            "table": item.person_table,
        }
    if not item.hit.identity:
        return _("The row has no identity (member id or e-mail).")
    return _("This person is not in the affected list (scoping version %(version)s).") % {"version": scoping.version}


def _store(
    run: MatchRun,
    found: list[_Found],
    by_fingerprint: dict[str, list[int]],
    scoping: Any,
    notes: list[str],
    hashed: int,
) -> MatchRun:
    people: dict[str, Any] = {}
    identities = {f.hit.identity for f in found if f.hit.identity}
    if scoping is not None and identities:
        people = {p.identity: p for p in scoping.people.filter(identity__in=identities)}
    rows = []
    for item in found:
        person = people.get(item.hit.identity) if item.hit.in_person_table else None
        for entry_id in by_fingerprint[item.hit.fingerprint]:
            rows.append(
                CardMatch(
                    run=run,
                    entry_id=entry_id,
                    kind=item.kind,
                    source=item.source,
                    finding=item.finding,
                    evidence=item.evidence,
                    evidence_sha256=item.evidence_sha256,
                    location=item.hit.location[:600],
                    row_key=item.hit.row_key[:300],
                    identity=item.hit.identity[:320],
                    person=person,
                    person_note="" if person else _person_note(item, scoping)[:500],
                )
            )
    with transaction.atomic():
        CardMatch.objects.bulk_create(rows, batch_size=ENTRY_BATCH)
        run.status = RunStatus.SUCCEEDED
        run.finished_at = timezone.now()
        run.scoping = scoping
        run.matches_count = len(rows)
        run.matched_entries = len({r.entry_id for r in rows})
        run.people_linked = len({r.person.pk for r in rows if r.person is not None})
        run.notes = notes[:200]
        run.save()
        audit.record(
            SYSTEM,
            "card_matching_finished",
            run.card_list,
            changes={
                "run": [None, run.pk],
                "matched_entries": [None, run.matched_entries],
                "matches": [None, run.matches_count],
                "people_linked": [None, run.people_linked],
                "slow_hashes": [None, hashed],
            },
        )
    return run


def fail_run(run_id: Any, reason: str) -> None:
    """Mark a run failed with the reason (its job ended without finishing it)."""
    with transaction.atomic():
        run = MatchRun.objects.select_for_update().filter(pk=run_id).exclude(status=RunStatus.SUCCEEDED).first()
        if run is None:
            return
        run.status = RunStatus.FAILED
        run.error = reason[:2000]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        audit.record(SYSTEM, "card_matching_failed", run.card_list, message=reason[:500])


def fail_orphaned_runs() -> int:
    """Runs left queued or running by a dead worker whose job is gone or finished: failed with the reason."""
    from mamori.jobs.models import FINISHED

    stale = MatchRun.objects.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).select_related("job")
    count = 0
    for run in stale:
        if run.job is None or run.job.status in FINISHED:
            fail_run(run.pk, "the job that ran this matching ended without finishing it")
            count += 1
    return count


# --------------------------------------------------------------------------------------------------
# Export


EXPORT_COLUMNS = [
    "list",
    "row",
    "masked_number",
    "brand",
    "found_in",
    "data_source",
    "preserved_copy",
    "copy_sha256",
    "location",
    "row_key",
    "affected_person",
    "member_id",
    "link_note",
]


def export_rows(actor: Actor, card_list: CardList) -> Iterable[list[str]]:
    for match in matches(actor, card_list):
        yield [
            str(card_list.pk),
            str(match.entry.row),
            match.entry.mask,
            match.entry.brand,
            match.kind,
            str(match.source or ""),
            match.evidence.name if match.evidence else "",
            match.evidence_sha256,
            match.location,
            match.row_key,
            match.person.identity if match.person else "",
            match.person.member_id if match.person else "",
            match.person_note,
        ]


def export_csv(actor: Actor, card_list: CardList) -> str:
    """The matches as CSV (masks only, never a fingerprint); the export is audited."""
    policy.check(actor, Action.EXPORT, MATCH)
    policy.check(actor, Action.VIEW, LIST, card_list)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for row in export_rows(actor, card_list):
        writer.writerow([_safe_cell(v) for v in row])
        count += 1
    with transaction.atomic():
        audit.record(actor, "card_matches_exported", card_list, changes={"rows": [None, count]})
    return out.getvalue()


def _safe_cell(value: str) -> str:
    """No formula injection in a spreadsheet that opens the CSV."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def lists_summary(actor: Actor, case: IncidentCase | None = None) -> list[dict[str, Any]]:
    """Per list: its counts (for the list page and the API)."""
    lists = visible_lists(actor, case).annotate(run_count=Count("runs"))
    return [{"list": cl, **counts(cl)} for cl in lists]
