"""Evidence actions (証拠の操作): add, look at, download, verify, transfer and destroy — each one function that
checks the policy, changes the records and writes the chain of custody and the audit trail in one transaction.

Views, the API, the CLI and the preservation jobs all call these. Nothing that is evidence is ever deleted:
``destroy`` removes the stored file of a preserved copy after its hold was released and keeps the row.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any, BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.accounts import policy
from mamori.accounts.policy import SYSTEM, Action, Actor
from mamori.audit import services as audit
from mamori.audit.context import current_origin
from mamori.env import env_bool, env_int
from mamori.evidence import holds, storage
from mamori.evidence.models import CustodyAction, CustodyEvent, Evidence, EvidenceKind
from mamori.evidence.storage import StoredBlob
from mamori.incidents.models import IncidentCase

RESOURCE = "evidence"
GIB = 1024**3
SHA256 = re.compile(r"^[0-9a-f]{64}$")


class EvidenceUnavailable(ValidationError):
    """The file cannot be given out: destroyed, missing, or no longer the file that was stored."""


# --------------------------------------------------------------------------------------------------
# Settings (read here so the locker works whatever the settings module names)


def max_bytes() -> int:
    """MAMORI_EVIDENCE_MAX_BYTES: the largest file the locker accepts (default 10 GiB)."""
    value = getattr(settings, "MAMORI_EVIDENCE_MAX_BYTES", None)
    return int(value) if value is not None else env_int("MAMORI_EVIDENCE_MAX_BYTES", 10 * GIB)


def encrypt_uploads() -> bool:
    """MAMORI_EVIDENCE_ENCRYPT: uploads encrypted at rest (default on). Preserved copies always are."""
    value = getattr(settings, "MAMORI_EVIDENCE_ENCRYPT", None)
    return bool(value) if value is not None else env_bool("MAMORI_EVIDENCE_ENCRYPT", True)


# --------------------------------------------------------------------------------------------------
# Reading the records


def visible(actor: Actor) -> QuerySet[Evidence]:
    base = Evidence.objects.select_related("case", "uploaded_by", "destroyed_by", "source")
    scoped = policy.scope(actor, RESOURCE, base)
    # Contractor users see, of their contractor's cases, only what their own company added (incidents/portal.py).
    from mamori.incidents import portal

    narrow = getattr(portal, "narrow_evidence", None)
    return narrow(actor, scoped) if narrow is not None else scoped


def for_case(actor: Actor, case: IncidentCase) -> QuerySet[Evidence]:
    return visible(actor).filter(case=case).order_by("-created_at", "-pk")


def chain_of_custody(evidence: Evidence) -> QuerySet[CustodyEvent]:
    return evidence.custody_events.select_related("actor").order_by("at", "pk")


# --------------------------------------------------------------------------------------------------
# The chain of custody


def custody(
    actor: Actor,
    evidence: Evidence,
    action: CustodyAction,
    *,
    reason: str = "",
    sha256: str | None = None,
    changes: dict[str, Any] | None = None,
) -> CustodyEvent:
    """One link of the chain with its audit entry; runs inside the caller's transaction."""
    origin = current_origin()
    user = actor if getattr(actor, "pk", None) and not policy.is_system(actor) else None
    with transaction.atomic():
        event = CustodyEvent.objects.create(
            evidence=evidence,
            action=action,
            actor=user,
            actor_name=(actor.get_username() if user is not None else "system")[:150],
            at=timezone.now(),
            reason=reason,
            sha256=evidence.sha256 if sha256 is None else sha256,
            ip_address=origin.ip_address,
            via=origin.via,
        )
        audit.record(
            actor,
            f"evidence_{action}",
            evidence,
            changes={**(changes or {}), "sha256": event.sha256},
            message=reason,
        )
    return event


def record_view(actor: Actor, evidence: Evidence) -> CustodyEvent:
    """Someone opened the evidence's page (its details and chain of custody)."""
    policy.check(actor, Action.VIEW, RESOURCE, evidence)
    return custody(actor, evidence, CustodyAction.VIEWED)


def record_export(actor: Actor, case: IncidentCase, where: str) -> int:
    """The case file export (another part) lists the evidence: one "exported" link per piece."""
    policy.check(actor, Action.EXPORT, RESOURCE)
    rows = list(for_case(actor, case))
    with transaction.atomic():
        for evidence in rows:
            custody(actor, evidence, CustodyAction.EXPORTED, reason=where)
    return len(rows)


def record_hold(actor: Actor, case: IncidentCase, action: CustodyAction, reason: str) -> int:
    """A hold placed on or released from the case: one link per piece of its evidence (incidents/hold.py)."""
    rows = list(Evidence.objects.filter(case=case).order_by("pk"))
    for evidence in rows:
        custody(actor, evidence, action, reason=reason)
    return len(rows)


# --------------------------------------------------------------------------------------------------
# Adding evidence


def _check_add(actor: Actor, case: IncidentCase) -> None:
    policy.check(actor, Action.VIEW, "incident_case", case)  # 404 for a case the actor may not know of
    policy.check(actor, Action.ADD, RESOURCE)


def _clean_name(name: str, field_name: str = "name") -> str:
    # Only the last part of a path a browser or shell may send along; never a folder of the server.
    cleaned = PureWindowsPath(PurePosixPath(str(name or "")).name).name.strip()
    if not cleaned:
        raise ValidationError({field_name: _("Give the evidence a name.")})
    if len(cleaned) > 255:
        raise ValidationError({field_name: _("The name may have at most 255 characters.")})
    return cleaned


def _read_chunks(fileobj: BinaryIO | Any, size: int = storage.CHUNK) -> Iterator[bytes]:
    while chunk := fileobj.read(size):
        yield chunk


def add_upload(
    actor: Actor, case: IncidentCase, fileobj: BinaryIO | Any, name: str, description: str = "", reason: str = ""
) -> Evidence:
    """Store a file (a Django UploadedFile or any binary file object) as evidence of ``case``, streaming it."""
    _check_add(actor, case)
    name = _clean_name(name or getattr(fileobj, "name", ""))
    try:
        blob = storage.write_stream(_read_chunks(fileobj), encrypt=encrypt_uploads(), max_bytes=max_bytes())
    except storage.TooLarge as exc:
        raise ValidationError(
            {"file": _("The file is larger than the maximum of %(size)s.") % {"size": human_size(exc.limit)}}
        ) from None
    media_type = getattr(fileobj, "content_type", "") or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return _create(
        actor,
        Evidence(
            case=case,
            kind=EvidenceKind.UPLOAD,
            name=name,
            description=description,
            sha256=blob.sha256,
            size=blob.size,
            blob_name=blob.blob_name,
            encrypted=blob.encrypted,
            media_type=media_type[:100],
        ),
        reason,
    )


def add_preserved_copy(
    actor: Actor,
    case: IncidentCase,
    *,
    name: str,
    blob: StoredBlob,
    description: str,
    source: Any = None,
    manifest: dict[str, Any] | None = None,
) -> Evidence:
    """Record a preserved copy (証拠保全コピー) already written with ``storage.write_stream(..., encrypt=True)``."""
    _check_add(actor, case)
    if not blob.encrypted:
        raise ValueError("a preserved copy is always stored encrypted: write it with encrypt=True")
    if not storage.exists(blob.blob_name):
        raise ValueError(f"no stored file {blob.blob_name}")
    evidence = Evidence(
        case=case,
        kind=EvidenceKind.PRESERVED_COPY,
        name=_clean_name(name),
        description=description,
        sha256=blob.sha256,
        size=blob.size,
        blob_name=blob.blob_name,
        encrypted=True,
        media_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
        source=source,
        manifest=manifest or {},
    )
    return _create(actor, evidence, "")


def add_preservation_record(
    actor: Actor, case: IncidentCase, *, name: str, location: str, held_by: str, sha256: str, description: str
) -> Evidence:
    """Record evidence kept elsewhere (e.g. a disk image at the contractor's) and the hash its holder reported."""
    _check_add(actor, case)
    sha256 = (sha256 or "").strip().lower()
    errors: dict[str, str] = {}
    if sha256 and not SHA256.match(sha256):
        errors["sha256"] = _("A SHA-256 hash is 64 hexadecimal digits.")
    if not (location or "").strip():
        errors["location"] = _("Say where the evidence is kept.")
    if not (held_by or "").strip():
        errors["held_by"] = _("Say who holds the evidence.")
    if errors:
        raise ValidationError(errors)
    evidence = Evidence(
        case=case,
        kind=EvidenceKind.PRESERVATION_RECORD,
        name=_clean_name(name),
        description=description,
        sha256=sha256,
        location=location.strip()[:300],
        held_by=held_by.strip()[:200],
    )
    return _create(actor, evidence, "")


def _create(actor: Actor, evidence: Evidence, reason: str) -> Evidence:
    if getattr(actor, "pk", None) and not policy.is_system(actor):
        evidence.uploaded_by = actor
    with transaction.atomic():
        evidence.full_clean()
        evidence.save()
        custody(
            actor, evidence, CustodyAction.UPLOADED, reason=reason, changes=audit.diff({}, audit.snapshot(evidence))
        )
    return evidence


# --------------------------------------------------------------------------------------------------
# Giving it out


def _require_reason(reason: str, field_name: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field_name: _("Give a reason; it is kept in the chain of custody.")})
    return reason


def check_download(actor: Actor, evidence: Evidence) -> None:
    """VIEW on evidence, and READ_PRESERVED for a preserved copy (it may hold card data)."""
    policy.check(actor, Action.VIEW, RESOURCE, evidence)
    if evidence.is_preserved_copy:
        policy.check(actor, Action.READ_PRESERVED, RESOURCE, evidence)


def open_for_download(actor: Actor, evidence: Evidence, reason: str) -> Iterator[bytes]:
    """The stored file, after its hash was checked again; the "downloaded" link names the hash found.

    The whole file is read once before the first byte goes out (a changed file is refused, not sent), and the
    stream checks the hash again on the way out.
    """
    check_download(actor, evidence)
    if evidence.is_preserved_copy:
        reason = _require_reason(reason)
    if not evidence.has_file:
        raise EvidenceUnavailable(_("There is no stored file for this evidence."))
    found = _rehash_or_none(evidence)
    if found != evidence.sha256:
        with transaction.atomic():
            custody(
                actor,
                evidence,
                CustodyAction.VERIFIED,
                reason="download refused: " + ("the stored file is missing" if found is None else "hash differs"),
                sha256=found or "",
            )
        raise EvidenceUnavailable(
            _("The stored file is missing or no longer matches its recorded SHA-256; it was not given out.")
        )
    with transaction.atomic():
        custody(actor, evidence, CustodyAction.DOWNLOADED, reason=reason, sha256=found)
    return storage.checked_stream(evidence.blob_name, evidence.encrypted, evidence.sha256)


def _rehash_or_none(evidence: Evidence) -> str | None:
    try:
        sha256, _size = storage.rehash(evidence.blob_name, evidence.encrypted)
    except storage.BlobMissing:
        return None
    except storage.BlobTampered:
        return ""
    return sha256


def manifest(case: IncidentCase) -> list[dict[str, Any]]:
    """Every piece of the case's evidence, for the case-file export (the caller checks who may export)."""
    rows = Evidence.objects.filter(case=case).select_related("uploaded_by").order_by("created_at", "pk")
    return [
        {
            "id": e.pk,
            "name": e.name,
            "kind": e.kind,
            "sha256": e.sha256,
            "size": e.size,
            "created_at": e.created_at.isoformat(),
            "uploaded_by": e.uploaded_by.get_username() if e.uploaded_by else "system",
            "encrypted": e.encrypted,
            "location": e.location,
            "destroyed": e.is_destroyed,
        }
        for e in rows
    ]


# --------------------------------------------------------------------------------------------------
# Verification


@dataclass
class VerifyReport:
    checked: int = 0
    intact: list[Evidence] = field(default_factory=list)
    mismatched: list[tuple[Evidence, str]] = field(default_factory=list)  # (evidence, what was found)
    missing: list[Evidence] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatched and not self.missing


def verify_all(actor: Actor = SYSTEM, progress: Any = None) -> VerifyReport:
    """Hash every stored file again and compare it with its record; one "verified" link per file."""
    report = VerifyReport()
    rows = Evidence.objects.exclude(blob_name="").filter(destroyed_at__isnull=True).order_by("pk")
    for evidence in rows.iterator():
        found = _rehash_or_none(evidence)
        report.checked += 1
        if found is None:
            report.missing.append(evidence)
            note = "file missing"
        elif found != evidence.sha256:
            report.mismatched.append((evidence, found or "unreadable (changed or wrong key)"))
            note = "hash differs" if found else "file changed (authentication failed)"
        else:
            report.intact.append(evidence)
            note = "intact"
        with transaction.atomic():
            custody(
                actor, evidence, CustodyAction.VERIFIED, reason=f"mamori evidence verify: {note}", sha256=found or ""
            )
        if progress is not None:
            progress(evidence, note)
    return report


# --------------------------------------------------------------------------------------------------
# Transfer and destruction


def transfer(actor: Actor, evidence: Evidence, *, location: str, held_by: str, reason: str) -> Evidence:
    """Evidence kept elsewhere changed hands or place (a preservation record): recorded, never overwritten silently."""
    policy.check(actor, Action.CHANGE, RESOURCE, evidence)
    reason = _require_reason(reason)
    if evidence.kind != EvidenceKind.PRESERVATION_RECORD:
        raise ValidationError(_("Only preservation records change hands; files stay in the locker."))
    with transaction.atomic():
        before = audit.snapshot(evidence)
        evidence.location = (location or "").strip()[:300] or evidence.location
        evidence.held_by = (held_by or "").strip()[:200] or evidence.held_by
        evidence.save(update_fields=["location", "held_by"])
        custody(
            actor,
            evidence,
            CustodyAction.TRANSFERRED,
            reason=reason,
            changes=audit.diff(before, audit.snapshot(evidence)),
        )
    return evidence


def destroy(actor: Actor, evidence: Evidence, reason: str) -> Evidence:
    """Destroy a preserved copy after its case's hold was released: the stored file goes, the row stays.

    Uploads and preservation records are never destroyed. The file is removed only when no other evidence still
    uses the same stored content.
    """
    policy.check(actor, Action.DELETE, RESOURCE, evidence)
    if evidence.kind != EvidenceKind.PRESERVED_COPY:
        raise ValidationError(_("Only preserved copies are destroyed; uploads and records are kept for good."))
    if evidence.is_destroyed:
        raise ValidationError(_("This preserved copy was already destroyed."))
    reason = _require_reason(reason)
    with transaction.atomic():
        locked = Evidence.objects.select_for_update().select_related("case").get(pk=evidence.pk)
        holds.refuse_if_held(locked)
        before = audit.snapshot(locked)
        locked.destroyed_at = timezone.now()
        locked.destroyed_by = actor if getattr(actor, "pk", None) and not policy.is_system(actor) else None
        locked.destroy_reason = reason
        locked.save(update_fields=["destroyed_at", "destroyed_by", "destroy_reason"])
        custody(
            actor, locked, CustodyAction.DESTROYED, reason=reason, changes=audit.diff(before, audit.snapshot(locked))
        )
        still_used = (
            Evidence.objects.filter(blob_name=locked.blob_name, destroyed_at__isnull=True)
            .exclude(pk=locked.pk)
            .exists()
        )
        if not still_used:
            name = locked.blob_name
            transaction.on_commit(lambda: storage.remove(name))
    return locked


# --------------------------------------------------------------------------------------------------


def human_size(size: int | None) -> str:
    if size is None:
        return "—"
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"
