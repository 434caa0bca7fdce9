"""Risk assessment actions (リスクアセスメント): each checks the policy, changes the records and writes the
audit entry in one transaction. Views, the API and the reconciliation work call only these.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.accounts import policy
from mamori.accounts.policy import Action, Actor
from mamori.audit import services as audit
from mamori.core import actions
from mamori.risk import catalogue
from mamori.risk.models import (
    Nonconformity,
    NonconformitySource,
    NonconformityStatus,
    Risk,
    RiskMatrix,
    RiskStatus,
    SafetyMeasure,
    Stage,
)

RESOURCE = "risk"
NONCONFORMITY_RESOURCE = "risk"  # nonconformities share the risk grants until the PMS area has its own
LEVEL_PAIRS = (("likelihood", "impact"), ("residual_likelihood", "residual_impact"))
# Changing these after acceptance withdraws the acceptance: the manager accepted other values.
ACCEPTANCE_FIELDS = ("likelihood", "impact", "residual_likelihood", "residual_impact", "treatment")


def _check_levels(risk: Risk, matrix: RiskMatrix) -> None:
    errors: dict[str, str] = {}
    for likelihood_field, impact_field in LEVEL_PAIRS:
        for field, top in ((likelihood_field, matrix.likelihood_levels), (impact_field, matrix.impact_levels)):
            value = getattr(risk, field)
            if value is not None and not 1 <= value <= top:
                errors[field] = _("Choose a level from 1 to %(top)d.") % {"top": top}
        if (getattr(risk, likelihood_field) is None) != (getattr(risk, impact_field) is None):
            missing = impact_field if getattr(risk, impact_field) is None else likelihood_field
            errors.setdefault(missing, _("Give both likelihood and impact, or neither."))
    if risk.status == RiskStatus.ACCEPTED and not risk.accepted_at:
        errors["status"] = _("Only the protection manager's acceptance marks a risk as accepted.")
    if errors:
        raise ValidationError(errors)


def _measures_snapshot(risk: Risk) -> list[str]:
    return sorted(risk.existing_measures.values_list("code", flat=True))


def _split(data: Mapping[str, Any]) -> tuple[dict[str, Any], list[SafetyMeasure] | None]:
    values = dict(data)
    measures = values.pop("existing_measures", None)
    return values, (list(measures) if measures is not None else None)


def create_risk(actor: Actor, data: Mapping[str, Any]) -> Risk:
    policy.check(actor, Action.ADD, RESOURCE)
    values, measures = _split(data)
    with transaction.atomic():
        risk = Risk(**values)
        risk.full_clean()
        _check_levels(risk, RiskMatrix.current())
        risk.save()
        if measures:
            risk.existing_measures.set(measures)
        changes = audit.diff({}, {**audit.snapshot(risk), "existing_measures": _measures_snapshot(risk)})
        audit.record(actor, "create", risk, changes=changes)
    return risk


def _refuse_if_archived(item: Risk | Nonconformity) -> None:
    if item.archived_at is not None:
        raise ValidationError(_("This record is archived; it is kept as it was and no longer changed."))


def update_risk(actor: Actor, risk: Risk, data: Mapping[str, Any]) -> Risk:
    policy.check(actor, Action.CHANGE, RESOURCE, risk)
    _refuse_if_archived(risk)
    values, measures = _split(data)
    with transaction.atomic():
        before = {**audit.snapshot(risk), "existing_measures": _measures_snapshot(risk)}
        for name, value in values.items():
            setattr(risk, name, value)
        if risk.accepted_at and any(before[f] != getattr(risk, f) for f in ACCEPTANCE_FIELDS):
            _withdraw_acceptance(risk)
        risk.full_clean()
        _check_levels(risk, RiskMatrix.current())
        risk.save()
        if measures is not None:
            risk.existing_measures.set(measures)
        after = {**audit.snapshot(risk), "existing_measures": _measures_snapshot(risk)}
        changes = audit.diff(before, after)
        if changes:
            audit.record(actor, "update", risk, changes=changes)
    return risk


def _withdraw_acceptance(risk: Risk) -> None:
    risk.accepted_by = None
    risk.accepted_at = None
    risk.acceptance_reason = ""
    if risk.status == RiskStatus.ACCEPTED:
        risk.status = RiskStatus.OPEN


def _archive(actor: Actor, item: Risk | Nonconformity, reason: str, what: str) -> None:
    """Archive a risk or nonconformity (アーカイブ): it leaves the lists and stays readable; never deleted."""
    actions.archive_record(
        actor,
        RESOURCE,
        item,
        reason,
        audit_action="archive",
        no_reason=_("Say why the %(what)s is archived.") % {"what": what},
        already=_("This record is already archived."),
    )


def archive_risk(actor: Actor, risk: Risk, reason: str) -> Risk:
    """Archive a risk row with a reason (a risk is never deleted: it is evidence of the assessment)."""
    _archive(actor, risk, reason, str(_("risk")))
    return risk


def accept_risk(actor: Actor, risk: Risk, reason: str = "") -> Risk:
    """The protection manager accepts the residual risk (残存リスクの受容).

    Above the matrix's tolerance the manager must say why; unassessed risks cannot be accepted.
    """
    policy.check(actor, Action.ACCEPT, RESOURCE, risk)
    matrix = RiskMatrix.current()
    residual = risk.residual(matrix)
    reason = (reason or "").strip()
    if residual is None:
        raise ValidationError({"reason": _("Assess likelihood and impact before accepting this risk.")})
    if matrix.needs_treatment(residual) and not reason:
        raise ValidationError(
            {
                "reason": _(
                    "The residual risk scores %(score)d, above the tolerance of %(tolerance)d: "
                    "give the reason for accepting it."
                )
                % {"score": residual.value, "tolerance": matrix.tolerance}
            }
        )
    with transaction.atomic():
        before = audit.snapshot(risk)
        risk.accepted_by = actor
        risk.accepted_at = timezone.now()
        risk.acceptance_reason = reason
        risk.status = RiskStatus.ACCEPTED
        risk.save(update_fields=["accepted_by", "accepted_at", "acceptance_reason", "status", "updated_at"])
        message = f"residual score {residual.value} ({residual.band}), tolerance {matrix.tolerance}"
        audit.record(actor, "accept", risk, changes=audit.diff(before, audit.snapshot(risk)), message=message)
    return risk


def generate_stage_rows(actor: Actor, ledger_entry: Any, threats: Iterable[str]) -> list[Risk]:
    """Create empty rows for every lifecycle stage × threat of a ledger entry; existing pairs are kept."""
    policy.check(actor, Action.ADD, RESOURCE)
    policy.get_visible(actor, "ledger_entry", type(ledger_entry)._default_manager.all(), pk=ledger_entry.pk)
    chosen = list(dict.fromkeys(threats))
    unknown = [t for t in chosen if t not in catalogue.threat_codes()]
    if not chosen or unknown:
        raise ValidationError({"threats": _("Choose one or more threats from the list.")})
    existing = set(Risk.objects.filter(ledger_entry=ledger_entry).values_list("stage", "threat"))
    created: list[Risk] = []
    with transaction.atomic():
        for stage in Stage.values:
            for threat in chosen:
                if (stage, threat) in existing:
                    continue
                risk = Risk.objects.create(ledger_entry=ledger_entry, stage=stage, threat=threat)
                audit.record_create(actor, risk, message="generated for the five lifecycle stages")
                created.append(risk)
    return created


def create_risk_from_gap(
    actor: Actor, ledger_entry: Any, stage: str, threat: str, description: str, evidence_ref: str
) -> Risk:
    """Turn a reconciliation gap into a risk row, pointing back at the scan and finding that showed it."""
    return create_risk(
        actor,
        {
            "ledger_entry": ledger_entry,
            "stage": stage,
            "threat": threat,
            "description": description,
            "evidence_ref": evidence_ref,
            "evidence": {"source": "reconciliation", "ref": evidence_ref},
        },
    )


def update_matrix(actor: Actor, matrix: RiskMatrix, data: Mapping[str, Any]) -> RiskMatrix:
    """Change the scoring matrix. Levels in use by risks cannot be removed."""
    policy.check(actor, Action.CHANGE, RESOURCE)
    with transaction.atomic():
        before = audit.snapshot(matrix)
        for name, value in data.items():
            setattr(matrix, name, value)
        matrix.full_clean()
        _check_levels_in_use(matrix)
        matrix.save()
        audit.record_update(actor, matrix, before)
    return matrix


def _check_levels_in_use(matrix: RiskMatrix) -> None:
    highest = {"likelihood_labels": 0, "impact_labels": 0}
    for risk in Risk.objects.only(*[f for pair in LEVEL_PAIRS for f in pair]):
        highest["likelihood_labels"] = max(
            highest["likelihood_labels"], risk.likelihood or 0, risk.residual_likelihood or 0
        )
        highest["impact_labels"] = max(highest["impact_labels"], risk.impact or 0, risk.residual_impact or 0)
    errors = {
        field: _("Risks use level %(level)d; keep at least that many levels.") % {"level": level}
        for field, level in highest.items()
        if len(getattr(matrix, field)) < level
    }
    if errors:
        raise ValidationError(errors)


EVIDENCE_MAX_KEYS = 20
EVIDENCE_MAX_KEY_LENGTH = 100
EVIDENCE_MAX_TEXT = 500
MAX_KEY = EVIDENCE_MAX_KEY_LENGTH


def clean_evidence(value: Any) -> dict[str, Any]:
    """A nonconformity's ``evidence`` (証跡): a flat JSON object naming where the finding comes from, e.g.
    ``{"source": "reconciliation", "ref": "scan:12/finding:346", "gap": "unlisted", "type": "card_number"}``.

    Keys are text of at most 100 characters, at most 20 of them; each value is text (at most 500 characters),
    a number, true/false or null. ``None`` means no evidence (``{}``). Anything else is refused with a field error
    rather than coerced (``[["a", "b"]]`` is not ``{"a": "b"}``)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError({"evidence": _('Give the evidence as a JSON object, e.g. {"ref": "scan:12"}.')})
    if len(value) > EVIDENCE_MAX_KEYS:
        raise ValidationError({"evidence": _("Give at most %(count)d evidence items.") % {"count": EVIDENCE_MAX_KEYS}})
    cleaned: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not key or len(key) > EVIDENCE_MAX_KEY_LENGTH or "\x00" in key:
            raise ValidationError(
                {
                    "evidence": _("Evidence names are text of 1 to %(count)d characters.")
                    % {"count": EVIDENCE_MAX_KEY_LENGTH}
                }
            )
        text_ok = isinstance(item, str) and len(item) <= EVIDENCE_MAX_TEXT and "\x00" not in item
        number_ok = isinstance(item, int | float) and not isinstance(item, bool) and item == item  # no NaN
        if not (text_ok or number_ok or item is None or isinstance(item, bool)):
            raise ValidationError(
                {
                    "evidence": _(
                        "Each evidence value is text of at most %(count)d characters, a number, true, false or null "
                        "(%(key)s)."
                    )
                    % {"count": EVIDENCE_MAX_TEXT, "key": key}
                }
            )
        cleaned[key] = item
    return cleaned


def create_nonconformity(
    actor: Actor,
    *,
    title: str,
    description: str = "",
    source: str = NonconformitySource.OTHER,
    evidence_ref: str = "",
    evidence: Mapping[str, Any] | None = None,
    cause: str = "",
    corrective_action: str = "",
    owner: Any = None,
    due_date: Any = None,
    detected_at: Any = None,
    status: str = NonconformityStatus.OPEN,
) -> Nonconformity:
    """Record a nonconformity (不適合), e.g. a ledger gap found by reconciliation. It starts open or corrected;
    closing is :func:`close_nonconformity`."""
    if status == NonconformityStatus.CLOSED:
        raise ValidationError({"status": _("Close it with the effectiveness check on its page.")})
    data: dict[str, Any] = {
        "title": title,
        "description": description,
        "source": source,
        "evidence_ref": evidence_ref,
        "evidence": clean_evidence(evidence)
        if evidence is not None
        else ({"ref": evidence_ref} if evidence_ref else {}),
        "cause": cause,
        "corrective_action": corrective_action,
        "owner": owner,
        "due_date": due_date,
        "status": status,
    }
    if detected_at is not None:
        data["detected_at"] = detected_at
    return actions.create_record(actor, NONCONFORMITY_RESOURCE, Nonconformity, data)


def save_nonconformity(actor: Actor, data: Mapping[str, Any]) -> Nonconformity:
    """Form and API entry point for :func:`create_nonconformity`."""
    return create_nonconformity(actor, **dict(data))


def update_nonconformity(actor: Actor, item: Nonconformity, data: Mapping[str, Any]) -> Nonconformity:
    _refuse_if_archived(item)
    if item.status == NonconformityStatus.CLOSED:
        raise ValidationError(_("This nonconformity is closed; its record no longer changes."))
    if data.get("status") == NonconformityStatus.CLOSED:
        # Closing is its own step: the effectiveness check, by the protection manager (close_nonconformity).
        raise ValidationError({"status": _("Close it with the effectiveness check on its page.")})
    if "evidence" in data:
        data = {**data, "evidence": clean_evidence(data["evidence"])}
    return actions.update_record(actor, NONCONFORMITY_RESOURCE, item, data)


def close_nonconformity(actor: Actor, item: Nonconformity, effectiveness: str) -> Nonconformity:
    """Close a nonconformity after checking that its corrective action worked (有効性の確認).

    JIS Q 15001 asks for the cause, the action and a review of its effectiveness before a nonconformity is closed;
    the close is the protection manager's (the policy's ACCEPT on risk records is the manager's alone), so whoever
    found it — the internal auditor, say — never closes it."""
    policy.check(actor, Action.ACCEPT, NONCONFORMITY_RESOURCE, item)
    _refuse_if_archived(item)
    if item.status == NonconformityStatus.CLOSED:
        raise ValidationError(_("This nonconformity is already closed."))
    missing = [
        str(label)
        for label, value in ((_("cause (原因)"), item.cause), (_("corrective action"), item.corrective_action))
        if not value.strip()
    ]
    if missing:
        raise ValidationError(_("Record before closing: %(fields)s") % {"fields": "、".join(missing)})
    if not effectiveness.strip():
        raise ValidationError({"effectiveness": _("Say how the action was checked to have worked.")})
    with transaction.atomic():
        before = audit.snapshot(item)
        item.status, item.effectiveness = NonconformityStatus.CLOSED, effectiveness.strip()
        item.closed_at, item.closed_by = timezone.now(), actor if getattr(actor, "pk", None) else None
        item.save()
        audit.record(actor, "nonconformity_closed", item, changes=audit.diff(before, audit.snapshot(item)))
    return item


def archive_nonconformity(actor: Actor, item: Nonconformity, reason: str) -> Nonconformity:
    """Archive a nonconformity with a reason (never deleted: it and what it references are evidence)."""
    _archive(actor, item, reason, str(_("nonconformity")))
    return item
