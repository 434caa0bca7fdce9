"""Actions on the requirements catalogue (要求事項): each checks the policy, changes and audits in one transaction,
called alike by the pages, the API and the ``mamori pms`` command."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.accounts import policy
from mamori.accounts.policy import Action, Actor
from mamori.audit import services as audit
from mamori.core import actions
from mamori.pms import catalogue
from mamori.pms.models import Control, ControlEvidence

RESOURCE = "control"
EDITABLE = ("owner", "status", "note")


def _user(actor: Actor) -> Any:
    return actor if getattr(actor, "pk", None) is not None else None


def load_catalogue(actor: Actor, path: Path = catalogue.SHIPPED) -> catalogue.LoadResult:
    """Apply a catalogue file: new requirements added, texts updated, missing ones retired (never deleted)."""
    policy.check(actor, Action.CHANGE, RESOURCE)
    entries = catalogue.read(path)
    with transaction.atomic():
        result = catalogue.apply(entries, timezone.now())
        audit.record(
            actor,
            "pms_catalogue_loaded",
            object_type="pms.control",
            message=(
                f"{Path(path).name}: {len(result.added)} added, {len(result.updated)} updated, "
                f"{len(result.retired)} retired, {result.unchanged} unchanged"
            ),
        )
    return result


def update_control(actor: Actor, control: Control, data: Mapping[str, Any]) -> Control:
    """Change what the company says about a requirement: owner, status, note (the catalogue text is the file's)."""
    policy.check(actor, Action.CHANGE, RESOURCE, control)
    unknown = set(data) - set(EDITABLE)
    if unknown:
        raise ValidationError(_("These fields cannot be changed: %(names)s") % {"names": ", ".join(sorted(unknown))})
    owner = data.get("owner", control.owner)
    if owner is not None and not owner.is_active:
        raise ValidationError({"owner": _("The owner must be an active user.")})
    with transaction.atomic():
        before = audit.snapshot(control)
        for name, value in data.items():
            setattr(control, name, value)
        control.updated_by = _user(actor)
        control.updated_at = timezone.now()
        control.full_clean()
        control.save()
        audit.record_update(actor, control, before)
    return control


def add_evidence(actor: Actor, control: Control, label: str, reference: str = "") -> ControlEvidence:
    """Link a document or record that shows the requirement is met (証跡)."""
    policy.check(actor, Action.CHANGE, RESOURCE, control)
    with transaction.atomic():
        evidence = ControlEvidence(
            control=control, label=label.strip(), reference=reference.strip(), added_by=_user(actor)
        )
        evidence.full_clean()
        evidence.save()
        audit.record_create(actor, evidence, message=f"{control.code or control.key}: {evidence.label}")
    return evidence


def archive_evidence(actor: Actor, evidence: ControlEvidence, reason: str) -> ControlEvidence:
    """Take a link off the requirement, keeping it on record with the reason (audits may have cited it)."""
    return actions.archive_record(
        actor,
        RESOURCE,
        evidence,
        reason,
        no_reason=_("Say why the evidence no longer applies."),
        already=_("This evidence is already archived."),
        target=evidence.control,
    )


def record_export(actor: Actor, file_format: str, count: int) -> None:
    """Check and audit a readiness export (XLSX or PDF)."""
    policy.check(actor, Action.EXPORT, RESOURCE)
    audit.record(actor, "export", object_type="pms.control", message=f"readiness {file_format} ({count} requirements)")
