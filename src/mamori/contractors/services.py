"""Contractor actions (委託先の登録・選定・契約・再委託・定期評価) and the warnings the app raises about them.

Each state change is one function: policy check, change and audit entry in one transaction. Supervision
records (evaluations, contracts, sub-contractors, reviews) are archived with a reason, never deleted.
The joint incident manual lives in ``contractors.manual``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.accounts import policy
from mamori.accounts.policy import Action, Actor
from mamori.audit import services as audit
from mamori.contractors import checklist
from mamori.contractors.models import (
    Archivable,
    Contract,
    Contractor,
    ContractorReview,
    SelectionCriterion,
    SelectionEvaluation,
    SelectionScore,
    SubContractor,
)
from mamori.core import actions
from mamori.ledger.models import LedgerEntry

RESOURCE: Final = "contractor"
SUPERVISION: Final = "contractor_supervision"
MANUAL: Final = "contractor_manual"

A = TypeVar("A", bound=Archivable)


def _user(actor: Actor) -> Any:
    return None if policy.is_system(actor) else actor


# --- the register --------------------------------------------------------------------------------------


def create_contractor(actor: Actor, data: Mapping[str, Any]) -> Contractor:
    return actions.create_record(actor, RESOURCE, Contractor, data)


def update_contractor(actor: Actor, contractor: Contractor, data: Mapping[str, Any]) -> Contractor:
    return actions.update_record(actor, RESOURCE, contractor, data)


def delete_contractor(actor: Actor, contractor: Contractor) -> None:
    actions.delete_record(actor, RESOURCE, contractor)


def handled_entries(contractor: Contractor) -> QuerySet[LedgerEntry]:
    """The ledger entries a contractor handles: named on the entry, or held in a data source it runs."""
    return LedgerEntry.objects.filter(Q(contractors=contractor) | Q(data_sources__contractor=contractor)).distinct()


def sensitive_data(contractor: Contractor) -> list[str]:
    """What makes a contractor's missing incident clauses a warning: "card" and/or "special_care", from the
    data categories of the ledger entries it handles and from the contractor's own flags."""
    entries = handled_entries(contractor)
    found = []
    if (
        contractor.handles_card_data
        or entries.filter(Q(categories__card_data=True) | Q(card_data_retained=True)).exists()
    ):
        found.append("card")
    if contractor.handles_special_care or entries.filter(categories__special_care=True).exists():
        found.append("special_care")
    return found


# --- archiving (evidence is never deleted) --------------------------------------------------------------


def archive(actor: Actor, obj: A, reason: str) -> A:
    """Take a supervision record out of use with a reason; it stays for the auditor."""
    return actions.archive_record(
        actor,
        SUPERVISION,
        obj,
        reason,
        audit_action="contractor_record_archived",
        no_reason=_("Say why this record is archived."),
        already=_("This record is already archived."),
    )


def _save_new(actor: Actor, obj: models.Model, message: str = "") -> None:
    obj.full_clean()
    obj.save()
    audit.record_create(actor, obj, message=message)


def _save_changed(actor: Actor, obj: models.Model, before: dict[str, Any]) -> None:
    obj.full_clean()
    obj.save()
    audit.record_update(actor, obj, before)


def _refuse_if_archived(obj: Archivable) -> None:
    if obj.archived_at is not None:
        raise ValidationError(_("This record is archived and can no longer be changed."))


# --- selection evaluation (委託先の選定) -----------------------------------------------------------------


def create_criterion(actor: Actor, data: Mapping[str, Any]) -> SelectionCriterion:
    """A new selection criterion (選定基準); criteria are taken out of use, never deleted (past scores cite them)."""
    return actions.create_record(actor, SUPERVISION, SelectionCriterion, data)


def update_criterion(actor: Actor, criterion: SelectionCriterion, data: Mapping[str, Any]) -> SelectionCriterion:
    return actions.update_record(actor, SUPERVISION, criterion, data)


def active_criteria() -> QuerySet[SelectionCriterion]:
    return SelectionCriterion.objects.filter(active=True)


def score_percent(scores: Iterable[tuple[int, int]]) -> int:
    """(weight, score 0–5) pairs → the weighted score in percent of the maximum, rounded down."""
    pairs = list(scores)
    best = sum(weight * checklist.MAX_SCORE for weight, _score in pairs)
    got = sum(weight * score for weight, score in pairs)
    return (got * 100) // best if best else 0


def create_evaluation(
    actor: Actor, contractor: Contractor, data: Mapping[str, Any], scores: Mapping[int, tuple[int, str]]
) -> SelectionEvaluation:
    """Record an evaluation: ``scores`` maps each active criterion's id to (score 0–5, note); all are needed."""
    policy.check(actor, Action.ADD, SUPERVISION)
    criteria = list(active_criteria())
    missing = [c.name for c in criteria if c.pk not in scores]
    if not criteria:
        raise ValidationError(_("There are no selection criteria in use."))
    if missing:
        raise ValidationError(_("Score every criterion; missing: %(names)s") % {"names": "、".join(missing)})
    bad = [c.name for c in criteria if not 0 <= scores[c.pk][0] <= checklist.MAX_SCORE]
    if bad:
        raise ValidationError(_("A score is between 0 and 5: %(names)s") % {"names": "、".join(bad)})
    with transaction.atomic():
        evaluation = SelectionEvaluation(
            contractor=contractor,
            evaluator=data.get("evaluator") or _user(actor),
            evaluated_on=data.get("evaluated_on") or timezone.localdate(),
            pass_percent=data.get("pass_percent") or checklist.DEFAULT_PASS_PERCENT,
            notes=data.get("notes", ""),
            total_percent=score_percent((c.weight, scores[c.pk][0]) for c in criteria),
        )
        _save_new(actor, evaluation)
        for criterion in criteria:
            score, note = scores[criterion.pk]
            SelectionScore.objects.create(
                evaluation=evaluation, criterion=criterion, weight=criterion.weight, score=score, note=note[:300]
            )
        audit.record(
            actor,
            "contractor_evaluation_scored",
            evaluation,
            changes={str(c.name): [None, scores[c.pk][0]] for c in criteria},
            message=f"{evaluation.total_percent}% (pass {evaluation.pass_percent}%)",
        )
    return evaluation


def approve_evaluation(actor: Actor, evaluation: SelectionEvaluation) -> SelectionEvaluation:
    """The protection manager approves the selection (承認); an evaluation below its threshold is not approved."""
    policy.check(actor, Action.APPROVE, SUPERVISION)
    with transaction.atomic():
        evaluation = SelectionEvaluation.objects.select_for_update().get(pk=evaluation.pk)
        _refuse_if_archived(evaluation)
        if evaluation.approved_at is not None:
            raise ValidationError(_("This evaluation is already approved."))
        if not evaluation.passed:
            raise ValidationError(
                _("The score %(score)d%% is below the threshold %(threshold)d%%: evaluate again after improvement.")
                % {"score": evaluation.total_percent, "threshold": evaluation.pass_percent}
            )
        before = audit.snapshot(evaluation)
        evaluation.approved_by, evaluation.approved_at = _user(actor), timezone.now()
        evaluation.save(update_fields=["approved_by", "approved_at"])
        audit.record(
            actor, "contractor_evaluation_approved", evaluation, changes=audit.diff(before, audit.snapshot(evaluation))
        )
    return evaluation


# --- contracts (委託契約) ---------------------------------------------------------------------------------


def clean_checklist(raw: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Keep the known items only, each as {"present": bool, "clause": str}; a present item names its clause."""
    unknown = sorted(set(raw) - set(checklist.ALL_ITEMS))
    if unknown:
        raise ValidationError({"checklist": _("Unknown checklist items: %(keys)s") % {"keys": ", ".join(unknown)}})
    cleaned: dict[str, dict[str, Any]] = {}
    errors = []
    for key in checklist.ALL_ITEMS:
        value = raw.get(key) or {}
        present = bool(value.get("present"))
        clause = str(value.get("clause") or "").strip()[:100]
        if present and not clause:
            errors.append(str(checklist.ALL_ITEMS[key][1]))
        cleaned[key] = {"present": present, "clause": clause}
    if errors:
        raise ValidationError(
            {
                "checklist": _("Name the clause that covers each item marked present: %(items)s")
                % {"items": "; ".join(errors)}
            }
        )
    return cleaned


def _check_contract(contract: Contract) -> None:
    present = {key for key in checklist.ALL_ITEMS if contract.item(key)[0]}
    if "notice_within_hours" in present and not contract.notice_hours:
        raise ValidationError({"notice_hours": _("The notice clause is marked present: enter its number of hours.")})
    if "log_retention" in present and not contract.log_retention_days:
        raise ValidationError(
            {"log_retention_days": _("The log clause is marked present: enter its retention in days.")}
        )


def create_contract(actor: Actor, contractor: Contractor, data: Mapping[str, Any]) -> Contract:
    policy.check(actor, Action.ADD, SUPERVISION)
    values = dict(data)
    values["checklist"] = clean_checklist(values.get("checklist") or {})
    with transaction.atomic():
        contract = Contract(contractor=contractor, **values)
        _check_contract(contract)
        _save_new(actor, contract)
    return contract


def update_contract(actor: Actor, contract: Contract, data: Mapping[str, Any]) -> Contract:
    policy.check(actor, Action.CHANGE, SUPERVISION)
    _refuse_if_archived(contract)
    values = dict(data)
    if "checklist" in values:
        values["checklist"] = clean_checklist(values["checklist"] or {})
    with transaction.atomic():
        before = audit.snapshot(contract)
        for name, value in values.items():
            setattr(contract, name, value)
        _check_contract(contract)
        _save_changed(actor, contract, before)
    return contract


def current_contract(contractor: Contractor, today: dt.date | None = None) -> Contract | None:
    """The contract in force today, the latest to start when several are."""
    today = today or timezone.localdate()
    in_force = [c for c in contractor.contracts.filter(archived_at__isnull=True) if c.in_force(today)]
    return max(in_force, key=lambda c: (c.starts_on, c.pk), default=None)


def missing_items(contract: Contract | None, keys: Iterable[str]) -> list[str]:
    """The checklist keys the contract lacks (all of them when there is no contract)."""
    return [key for key in keys if contract is None or not contract.item(key)[0]]


def missing_incident_clauses(contract: Contract | None, card: bool = True) -> list[str]:
    """The incident clauses missing; card-data non-retention only matters for a contractor that handles cards."""
    keys = [k for k in checklist.INCIDENT_CLAUSES if card or k != "card_data_non_retention"]
    return missing_items(contract, keys)


# --- sub-contractors (再委託) ------------------------------------------------------------------------------


def add_subcontractor(actor: Actor, contractor: Contractor, data: Mapping[str, Any]) -> SubContractor:
    policy.check(actor, Action.ADD, SUPERVISION)
    with transaction.atomic():
        sub = SubContractor(contractor=contractor, **data)
        _save_new(actor, sub)
    return sub


def approve_subcontractor(actor: Actor, sub: SubContractor) -> SubContractor:
    policy.check(actor, Action.APPROVE, SUPERVISION)
    with transaction.atomic():
        sub = SubContractor.objects.select_for_update().get(pk=sub.pk)
        _refuse_if_archived(sub)
        if sub.approved_at is not None:
            raise ValidationError(_("This sub-contractor is already approved."))
        before = audit.snapshot(sub)
        sub.approved_by, sub.approved_at = _user(actor), timezone.now()
        sub.save(update_fields=["approved_by", "approved_at"])
        audit.record(actor, "subcontractor_approved", sub, changes=audit.diff(before, audit.snapshot(sub)))
    return sub


# --- periodic reviews (定期的な監督・評価) ------------------------------------------------------------------


def schedule_review(actor: Actor, contractor: Contractor, due_on: dt.date) -> ContractorReview:
    policy.check(actor, Action.ADD, SUPERVISION)
    with transaction.atomic():
        review = ContractorReview(contractor=contractor, due_on=due_on)
        _save_new(actor, review)
    return review


def complete_review(actor: Actor, review: ContractorReview, data: Mapping[str, Any]) -> ContractorReview:
    """Record a review's result; ``next_due_on`` (optional) schedules the next one in the same transaction."""
    policy.check(actor, Action.CHANGE, SUPERVISION)
    if not data.get("result"):
        raise ValidationError({"result": _("Choose the result of the review.")})
    done_on = data.get("done_on") or timezone.localdate()
    next_due = data.get("next_due_on")
    if next_due is not None and next_due <= done_on:
        raise ValidationError({"next_due_on": _("The next review is due after this one was done.")})
    with transaction.atomic():
        review = ContractorReview.objects.select_for_update().get(pk=review.pk)
        _refuse_if_archived(review)
        if review.done_on is not None:
            raise ValidationError(_("This review is already recorded as done."))
        before = audit.snapshot(review)
        review.done_on, review.result, review.findings = done_on, data["result"], data.get("findings", "")
        review.reviewer = data.get("reviewer") or _user(actor)
        review.full_clean()
        review.save()
        audit.record(actor, "contractor_review_completed", review, changes=audit.diff(before, audit.snapshot(review)))
        if next_due is not None:
            _save_new(actor, ContractorReview(contractor=review.contractor, due_on=next_due))
    return review


def next_review(contractor: Contractor) -> ContractorReview | None:
    return contractor.reviews.filter(done_on__isnull=True, archived_at__isnull=True).order_by("due_on", "pk").first()


# --- warnings -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Warning:
    """One thing about a contractor that needs attention; ``kind`` is stable for programs, ``message`` is for
    people (in the current language)."""

    kind: str  # "incident_clauses" | "review_overdue" | "manual_acknowledgement_overdue"
    contractor_id: int
    contractor_name: str
    message: str
    url: str
    due: dt.date | None = None


@dataclass
class _Facts:
    """What the warnings need about a set of contractors, read in a fixed number of queries (the dashboard calls
    ``warnings`` on every visit, over every contractor)."""

    card: set[int]
    special_care: set[int]
    contracts: dict[int, list[Contract]]
    overdue_reviews: dict[int, list[dt.date]]
    acknowledgement_due: dict[int, dt.date]


def _sensitive_ids(ids: list[int], flag: str, own_flag: str) -> set[int]:
    condition = Q(**{f"categories__{flag}": True})
    if flag == "card_data":
        condition |= Q(card_data_retained=True)
    entries = LedgerEntry.objects.filter(pk__in=LedgerEntry.objects.filter(condition).values("pk"))
    named = entries.filter(contractors__in=ids).values_list("contractors", flat=True)
    run = entries.filter(data_sources__contractor__in=ids).values_list("data_sources__contractor", flat=True)
    own = Contractor.objects.filter(pk__in=ids, **{own_flag: True}).values_list("pk", flat=True)
    # An entry shared by several contractors lists them all: keep the ones asked about.
    return (set(named) | set(run) | set(own)) & set(ids)


def _facts(ids: list[int], today: dt.date) -> _Facts:
    from mamori.contractors import manual

    contracts: dict[int, list[Contract]] = {}
    for contract in Contract.objects.filter(contractor_id__in=ids, archived_at__isnull=True):
        contracts.setdefault(contract.contractor_id, []).append(contract)
    overdue: dict[int, list[dt.date]] = {}
    reviews = ContractorReview.objects.filter(
        contractor_id__in=ids, done_on__isnull=True, archived_at__isnull=True, due_on__lt=today
    )
    for contractor_id, due_on in reviews.order_by("due_on", "pk").values_list("contractor_id", "due_on"):
        overdue.setdefault(contractor_id, []).append(due_on)
    return _Facts(
        card=_sensitive_ids(ids, "card_data", "handles_card_data"),
        special_care=_sensitive_ids(ids, "special_care", "handles_special_care"),
        contracts=contracts,
        overdue_reviews=overdue,
        acknowledgement_due=manual.acknowledgement_due_dates(ids),
    )


def _in_force(contracts: list[Contract], today: dt.date) -> Contract | None:
    return max((c for c in contracts if c.in_force(today)), key=lambda c: (c.starts_on, c.pk), default=None)


def _warnings_of(contractor: Contractor, facts: _Facts, today: dt.date) -> list[Warning]:
    url = reverse("contractors:detail", args=[contractor.pk])
    found: list[Warning] = []
    card, special = contractor.pk in facts.card, contractor.pk in facts.special_care
    if (card or special) and contractor.active:
        contract = _in_force(facts.contracts.get(contractor.pk, []), today)
        missing = missing_incident_clauses(contract, card=card)
        if missing:
            what = _("card data") if card else _("special-care personal information")
            labels = "、".join(str(checklist.INCIDENT_CLAUSES[k][1]) for k in missing)
            if contract is None:
                text = _("Handles %(what)s but has no contract in force: no incident clauses at all.") % {"what": what}
            else:
                text = _("Handles %(what)s but its contract lacks incident clauses: %(missing)s") % {
                    "what": what,
                    "missing": labels,
                }
            found.append(Warning("incident_clauses", contractor.pk, contractor.name, text, url + "#contracts"))
    for due_on in facts.overdue_reviews.get(contractor.pk, []):
        text = _("The periodic review due on %(date)s is overdue.") % {"date": due_on.isoformat()}
        found.append(Warning("review_overdue", contractor.pk, contractor.name, text, url + "#reviews", due_on))
    due = facts.acknowledgement_due.get(contractor.pk)
    if due is not None and due < today:
        text = _("The contractor has not acknowledged its incident manual; due on %(date)s.") % {
            "date": due.isoformat()
        }
        found.append(
            Warning("manual_acknowledgement_overdue", contractor.pk, contractor.name, text, url + "#manual", due)
        )
    return found


def contractor_warnings(contractor: Contractor, today: dt.date | None = None) -> list[Warning]:
    """The warnings of one contractor (no permission check: callers show them to those who may see them)."""
    today = today or timezone.localdate()
    return _warnings_of(contractor, _facts([contractor.pk], today), today)


def warnings(actor: Actor, today: dt.date | None = None) -> list[Warning]:
    """Every contractor warning the actor may see — for the dashboard, the list and the contractor page.

    Empty for roles that may not read supervision records (staff, contractor users): the warnings speak of
    contracts and reviews. A fixed number of queries, whatever the number of contractors."""
    if not policy.can(actor, Action.VIEW, SUPERVISION):
        return []
    today = today or timezone.localdate()
    contractors = list(policy.scope(actor, RESOURCE, Contractor.objects.filter(active=True)).order_by("name"))
    facts = _facts([c.pk for c in contractors], today)
    return [w for contractor in contractors for w in _warnings_of(contractor, facts, today)]


def require_contractor_user_of(actor: Actor, contractor_id: int) -> None:
    """Only the users of this contractor act for it (acknowledge its manual)."""
    if not policy.is_contractor_user(actor) or actor.contractor_id != contractor_id:
        raise PermissionDenied(_("Only the contractor's own users do this."))
