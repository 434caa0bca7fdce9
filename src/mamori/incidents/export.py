"""The case file (事案記録一式): one ZIP with everything a case holds, and a manifest that makes tampering visible.

Members: the case itself, its timeline (CSV and JSON), tasks, APPI assessments, report drafts, the evidence
manifest with hashes (and the evidence files when asked), and the audit trail of the case and of every record
it holds. ``manifest.json`` lists the SHA-256 of every member; the SHA-256 of ``manifest.json`` itself is the
case file's fingerprint. It is written into the hash-chained audit trail with the export and shown on the
case page, so a changed member (its hash no longer matches) or a rewritten manifest (its hash matches no
recorded export) is found by ``verify_export``.

The ZIP is written to a private temporary file while it is built (evidence may be gigabytes), never in memory.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.accounts import policy
from mamori.accounts.policy import Action, Actor
from mamori.audit import services as audit
from mamori.audit.models import AuditEntry
from mamori.incidents.models import AppiAssessment, CaseTask, IncidentCase, TimelineEvent

FORMAT = "mamori-case-file/1"
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024
EXPORT_ACTION = "export"
MANIFEST_MARK = "manifest SHA-256 "  # in the audit message: "case file export; manifest SHA-256 <hex>"


@dataclass
class ExportedCaseFile:
    """A finished case file on disk. The caller streams it and removes it (``open_and_unlink``)."""

    path: Path
    filename: str
    manifest_sha256: str
    members: int
    size: int

    def open_and_unlink(self) -> IO[bytes]:
        """An open handle to the ZIP whose directory entry is already gone: nothing is left behind on disk
        once the response has been sent (or if the client goes away)."""
        handle = self.path.open("rb")
        self.path.unlink(missing_ok=True)
        return handle


@dataclass
class _Writer:
    zip: zipfile.ZipFile
    members: list[dict[str, Any]] = field(default_factory=list)

    def add_bytes(self, name: str, data: bytes) -> None:
        self.add_stream(name, [data], compress=True)

    def add_json(self, name: str, value: Any) -> None:
        text = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2, sort_keys=True)
        self.add_bytes(name, text.encode("utf-8") + b"\n")

    def add_csv(self, name: str, rows: Iterable[list[str]]) -> None:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        for row in rows:
            writer.writerow([_csv_safe(cell) for cell in row])
        self.add_bytes(name, out.getvalue().encode("utf-8-sig"))  # the BOM lets spreadsheets read Japanese

    def add_stream(self, name: str, chunks: Iterable[bytes], compress: bool = False) -> None:
        """Copy a member in chunks, hashing on the way: memory stays flat for evidence of any size."""
        info = zipfile.ZipInfo(name, date_time=timezone.localtime().timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.external_attr = 0o600 << 16
        digest, size = hashlib.sha256(), 0
        with self.zip.open(info, "w", force_zip64=True) as out:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        self.members.append({"name": name, "size": size, "sha256": digest.hexdigest()})


def _csv_safe(value: Any) -> str:
    text = "" if value is None else str(value)
    # Spreadsheets run cells that start like a formula; a leading apostrophe keeps them as text.
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def _iso(value: Any) -> str:
    return timezone.localtime(value).isoformat() if value else ""


def export_case_file(actor: Actor, case: IncidentCase, include_files: bool = False) -> ExportedCaseFile:
    """Write the case file of ``case`` to a private temporary file and record the export in the audit trail."""
    policy.check(actor, Action.EXPORT, "incident_case", case)
    folder = Path(settings.DATA_DIR) / "exports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f"case-{case.pk}-", suffix=".zip", dir=folder)  # mode 0600
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as raw, zipfile.ZipFile(raw, "w", allowZip64=True) as archive:
            writer = _Writer(archive)
            notes = _write_members(actor, case, writer, include_files)
            manifest = _manifest(actor, case, writer.members, include_files, notes)
            archive.writestr(MANIFEST, manifest, compress_type=zipfile.ZIP_DEFLATED)
        manifest_sha256 = hashlib.sha256(manifest).hexdigest()
        with transaction.atomic():
            audit.record(
                actor,
                EXPORT_ACTION,
                case,
                changes={
                    "manifest_sha256": manifest_sha256,
                    "members": len(writer.members),
                    "include_files": include_files,
                },
                message=f"case file export; {MANIFEST_MARK}{manifest_sha256}",
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return ExportedCaseFile(
        path, f"case-{case.pk}-{stamp}.zip", manifest_sha256, len(writer.members), path.stat().st_size
    )


def _manifest(
    actor: Actor, case: IncidentCase, members: list[dict[str, Any]], include_files: bool, notes: list[str]
) -> bytes:
    value = {
        "format": FORMAT,
        "case": {"id": case.pk, "title": case.title},
        "exported_at": timezone.localtime().isoformat(),
        "exported_by": getattr(actor, "username", str(actor)),
        "include_files": include_files,
        "notes": notes,
        "hash": "sha256",
        "members": members,
    }
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8") + b"\n"


def _write_members(actor: Actor, case: IncidentCase, writer: _Writer, include_files: bool) -> list[str]:
    """Every part the actor may see; what is left out is named in the manifest's notes."""
    notes: list[str] = []
    writer.add_json("case.json", _case_record(case))
    if policy.can(actor, Action.VIEW, "case_timeline"):
        events = list(policy.scope(actor, "case_timeline", case.timeline.select_related("recorded_by")))
        writer.add_csv("timeline.csv", _timeline_rows(events))
        writer.add_json("timeline.json", [_event_record(e) for e in events])
    if policy.can(actor, Action.VIEW, "case_task"):
        tasks = policy.scope(actor, "case_task", CaseTask.objects.filter(case=case).select_related("owner"))
        writer.add_json("tasks.json", [_task_record(t) for t in tasks])
    if policy.can(actor, Action.VIEW, "appi_assessment"):
        assessments = policy.scope(actor, "appi_assessment", AppiAssessment.objects.filter(case=case))
        writer.add_json("appi_assessments.json", [_assessment_record(a) for a in assessments.select_related()])
    notes += _write_reports(case, writer)
    notes += _write_evidence(actor, case, writer, include_files)
    if policy.can(actor, Action.VIEW, "audit_entry"):
        entries = case_audit_entries(case)
        writer.add_json("audit_trail.json", [_audit_record(e) for e in entries.iterator(chunk_size=2000)])
    else:
        notes.append("audit trail left out: the exporting role may not read the audit trail")
    return notes


def _write_reports(case: IncidentCase, writer: _Writer) -> list[str]:
    try:
        from mamori.incidents.reports import render_all
    except ImportError:
        return ["report drafts left out: this installation has no report drafts"]
    for name, data in render_all(case, lang="ja"):
        writer.add_stream(f"reports/{Path(name).name}", [data], compress=True)
    return []


def _write_evidence(actor: Actor, case: IncidentCase, writer: _Writer, include_files: bool) -> list[str]:
    try:
        from mamori.evidence import services as evidence
    except ImportError:
        return ["evidence left out: this installation has no evidence locker"]
    if not policy.can(actor, Action.VIEW, "evidence"):
        return ["evidence left out: the exporting role may not see evidence"]
    writer.add_json("evidence/manifest.json", evidence.manifest(case))
    if hasattr(evidence, "record_export"):  # the chain of custody of each item names the export
        evidence.record_export(actor, case, "case file" + (" with files" if include_files else ""))
    if not include_files:
        return []
    return _write_evidence_files(actor, case, writer, evidence)


def _write_evidence_files(actor: Actor, case: IncidentCase, writer: _Writer, evidence: Any) -> list[str]:
    """The stored files, each re-hashed by the locker before it is given out; preserved copies (which may
    hold card data) only for roles that may open them."""
    notes: list[str] = []
    reason = _("Case file export")
    for item in evidence.Evidence.objects.filter(case=case).order_by("created_at", "pk"):
        if not item.has_file:
            continue  # a preservation record of something kept elsewhere, or destroyed after the hold
        if item.is_preserved_copy and not policy.can(actor, Action.READ_PRESERVED, "evidence", item):
            notes.append(f"evidence {item.pk}: preserved copy left out (the role may not open preserved copies)")
            continue
        try:
            stream = evidence.open_for_download(actor, item, reason)
        except ValidationError as error:
            notes.append(f"evidence {item.pk}: left out ({' '.join(error.messages)})")
            continue
        writer.add_stream(f"evidence/files/{item.pk}-{Path(item.name).name}", _chunks(stream))
    return notes


def _chunks(stream: Any) -> Iterator[bytes]:
    """Bytes from what the locker returns: a file object, or an iterable of chunks (closed afterwards)."""
    try:
        if hasattr(stream, "read"):
            while chunk := stream.read(CHUNK):
                yield chunk
        else:
            yield from stream
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()


# --- what the members hold ---------------------------------------------------------------------------


def _user(user: Any) -> str:
    return user.get_username() if user is not None else ""


def _case_record(case: IncidentCase) -> dict[str, Any]:
    values = audit.snapshot(case)
    values["contractor_name"] = case.contractor.name if case.contractor else None
    values["ledger_entries"] = [str(e) for e in case.ledger_entries.all()]
    values["data_sources"] = [str(s) for s in case.data_sources.all()]
    values["status_changes"] = [
        {
            "from": c.from_status,
            "to": c.to_status,
            "by": _user(c.changed_by),
            "at": _iso(c.changed_at),
            "reason": c.reason,
        }
        for c in case.status_changes.select_related("changed_by")
    ]
    values["preservation_notices"] = [
        {
            "contractor": str(n.contractor),
            "sent_by": _user(n.sent_by),
            "sent_at": _iso(n.sent_at),
            "acknowledged_by": _user(n.acknowledged_by),
            "acknowledged_at": _iso(n.acknowledged_at),
            "reminders_sent": n.reminders_sent,
            "escalated_at": _iso(n.escalated_at),
            "text": n.text,
        }
        for n in case.preservation_notices.select_related("contractor", "sent_by", "acknowledged_by")
    ]
    return values


TIMELINE_COLUMNS = ["id", "occurred_at", "kind", "title", "description", "source", "reference", "recorded_by"]


def _event_record(event: TimelineEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "occurred_at": _iso(event.occurred_at),
        "kind": event.kind,
        "title": event.title,
        "description": event.description,
        "source": event.source,
        "reference": event.reference,
        "recorded_by": _user(event.recorded_by),
        "recorded_at": _iso(event.created_at),
    }


def _timeline_rows(events: list[TimelineEvent]) -> Iterator[list[str]]:
    yield TIMELINE_COLUMNS
    for event in events:
        record = _event_record(event)
        yield [str(record[c]) for c in TIMELINE_COLUMNS]


def _task_record(task: CaseTask) -> dict[str, Any]:
    return {
        "id": task.pk,
        "title": task.title,
        "description": task.description,
        "owner": _user(task.owner),
        "due_date": task.due_date.isoformat() if task.due_date else None,
        "status": task.status,
        "done_at": _iso(task.done_at),
    }


def _assessment_record(assessment: AppiAssessment) -> dict[str, Any]:
    return {
        "id": assessment.pk,
        "assessed_at": _iso(assessment.assessed_at),
        "assessed_by": _user(assessment.assessed_by),
        "rules_version": assessment.rules_version,
        "facts": assessment.facts,
        "decision": assessment.decision,
    }


def _audit_record(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "created_at": _iso(entry.created_at),
        "actor": entry.actor_username,
        "role": entry.actor_role,
        "via": entry.via,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "message": entry.message,
        "changes": entry.changes,
        "hash": entry.hash,
    }


def _related_ids(records: Iterable[tuple[type[Model], QuerySet[Any]]]) -> Q:
    condition = Q(pk__in=[])
    for model, ids in records:
        condition |= Q(object_type=model._meta.label_lower, object_id__in=[str(pk) for pk in ids])
    return condition


def case_audit_entries(case: IncidentCase) -> QuerySet[AuditEntry]:
    """Audit entries of the case and of every record that belongs to it (timeline, tasks, notices, accesses,
    assessments, evidence…), and of the records that belong to those (an evidence item's custody events).

    Found through the relations to the case, so a part that adds a record type holding a case is covered."""
    condition = Q(object_type=IncidentCase._meta.label_lower, object_id=str(case.pk))
    level: list[tuple[type[Model], QuerySet[Any]]] = []
    for model, link, parent in _children(IncidentCase, [case.pk]):
        level.append((model, model._default_manager.filter(**{f"{link}__in": parent}).values_list("pk", flat=True)))
    condition |= _related_ids(level)
    deeper = [
        (model, model._default_manager.filter(**{f"{link}__in": ids}).values_list("pk", flat=True))
        for parent_model, ids in level
        for model, link, _parent in _children(parent_model, ids)
    ]
    condition |= _related_ids(deeper)
    return AuditEntry.objects.filter(condition).order_by("seq")


def _children(model: type[Model], ids: Any) -> Iterator[tuple[type[Model], str, Any]]:
    for relation in model._meta.related_objects:
        if relation.one_to_many and relation.related_model is not None:
            related = relation.related_model
            if isinstance(related, type) and related._meta.app_label in {"incidents", "evidence"}:
                yield related, relation.field.name, ids


# --- checking a case file ----------------------------------------------------------------------------


@dataclass
class Verification:
    manifest_sha256: str = ""
    problems: list[str] = field(default_factory=list)
    checked: int = 0
    recorded_seq: int | None = None  # the audit entry of the export with this manifest, when found

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_export(source: str | Path | IO[bytes], expected_sha256: str = "", check_trail: bool = True) -> Verification:
    """Check a case file: every member against the manifest, nothing added or missing, the manifest's own
    hash against ``expected_sha256`` (as shown when it was exported) and against the exports in the audit trail."""
    result = Verification()
    try:
        archive = zipfile.ZipFile(source)
    except (OSError, zipfile.BadZipFile) as exc:
        result.problems.append(f"not a readable ZIP file: {exc}")
        return result
    with archive:
        try:
            manifest_bytes = archive.read(MANIFEST)
            manifest = json.loads(manifest_bytes)
            listed = {m["name"]: m for m in manifest["members"]}
        except (KeyError, ValueError, TypeError, zipfile.BadZipFile) as exc:
            result.problems.append(f"manifest.json is missing or unreadable: {exc}")
            return result
        result.manifest_sha256 = hashlib.sha256(manifest_bytes).hexdigest()
        present = {info.filename for info in archive.infolist()} - {MANIFEST}
        for name in sorted(present - set(listed)):
            result.problems.append(f"{name}: not in the manifest (added after the export)")
        for name in sorted(set(listed) - present):
            result.problems.append(f"{name}: listed in the manifest but missing")
        for name in sorted(present & set(listed)):
            _check_member(archive, listed[name], result)
    if expected_sha256 and expected_sha256.strip().lower() != result.manifest_sha256:
        result.problems.append("the manifest's SHA-256 differs from the one recorded when the file was exported")
    if check_trail:
        entry = recorded_export(result.manifest_sha256)
        result.recorded_seq = entry.seq if entry else None
        if entry is None:
            result.problems.append("no export with this manifest's SHA-256 is in the audit trail")
    return result


def _check_member(archive: zipfile.ZipFile, listed: dict[str, Any], result: Verification) -> None:
    digest, size = hashlib.sha256(), 0
    try:
        with archive.open(listed["name"]) as member:
            while chunk := member.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:  # a damaged member fails its CRC or inflation
        result.problems.append(f"{listed['name']}: unreadable ({exc})")
        return
    result.checked += 1
    if digest.hexdigest() != listed.get("sha256") or size != listed.get("size"):
        result.problems.append(f"{listed['name']}: changed (SHA-256 differs from the manifest)")


def recorded_export(manifest_sha256: str) -> AuditEntry | None:
    if not manifest_sha256:
        return None
    query = AuditEntry.objects.filter(action=EXPORT_ACTION, message__endswith=f"{MANIFEST_MARK}{manifest_sha256}")
    return query.order_by("seq").first()


def recent_exports(case: IncidentCase, limit: int = 5) -> list[AuditEntry]:
    """The last exports of the case with their manifest hashes (for the case page)."""
    entries = AuditEntry.objects.filter(
        object_type=IncidentCase._meta.label_lower,
        object_id=str(case.pk),
        action=EXPORT_ACTION,
        message__contains=MANIFEST_MARK,  # not the downloads of single report drafts
    )
    return list(entries.order_by("-seq")[:limit])


def describe(result: Verification) -> list[str]:
    """Lines for a command line or a page: the verdict, the fingerprint, where it is recorded, each problem."""
    lines = [
        "OK: every member matches the manifest" if result.ok else "TAMPERED or damaged: see the problems below",
        f"manifest SHA-256: {result.manifest_sha256 or '-'}",
        f"members checked: {result.checked}",
    ]
    if result.recorded_seq is not None:
        lines.append(f"recorded in the audit trail: entry {result.recorded_seq}")
    lines += [f"problem: {p}" for p in result.problems]
    return lines
