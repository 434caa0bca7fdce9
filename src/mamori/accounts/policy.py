"""Who may see and do what — the one place that decides (権限の判断はここだけ).

Views, API endpoints, CLI commands and background jobs all ask this module. Each resource lists the
actions each role may take, and how records are scoped for users who see only part of them:
contractor users (委託先担当者) see the records of their own contractor, outside investigators
(外部調査員) the incident cases they are invited to, until their access expires.

A user who may not know a record exists gets 404 (``NotVisible``); a user who can see it but may not
act on it gets 403 (``PermissionDenied``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from mamori.accounts.roles import Role

if TYPE_CHECKING:
    from mamori.accounts.models import User

M = TypeVar("M", bound=Model)


class Action(enum.StrEnum):
    # The record verbs, which every resource may grant.
    VIEW = "view"
    ADD = "add"
    CHANGE = "change"
    DELETE = "delete"
    EXPORT = "export"
    # Verbs beyond the record verbs: each is granted by name, only where a resource lists it, so that a
    # decision such as "only the protection manager accepts a risk" lives in the table below and nowhere else.
    ACCEPT = "accept"  # accept a residual risk (残存リスクの受容)
    APPROVE = "approve"  # approve an evaluation, a contract or the minutes of a management review
    RELEASE_HOLD = "release_hold"  # ask for or approve the release of a case's legal hold (two different managers)
    READ_PRESERVED = "read_preserved"  # open a preserved copy that may hold card data (証拠保全コピーの閲覧)
    TEST_CONNECTION = "test"  # open a connection to a data source's target (outbound work: needs change rights)


class NotVisible(Http404):
    """The record does not exist for this user (shown as 404)."""


class Refused(PermissionDenied):
    """The role may not take this action on this kind of record (403); the API words it in the user's language."""

    def __init__(self, action: Action, resource_name: str) -> None:
        super().__init__(f"Your role may not {action} {resource_name} records.")
        self.action = action
        self.resource_name = resource_name


class SystemActor:
    """The operator at the console or a background job started by the system. Trusted: it has shell access."""

    is_authenticated = True
    is_active = True
    pk = None
    id = None
    username = "system"
    role = "system"

    def __str__(self) -> str:
        return "system"


SYSTEM = SystemActor()
Actor = Any  # User, SystemActor or AnonymousUser; typed loosely because request.user is a union

V, A, C, D, E = Action.VIEW, Action.ADD, Action.CHANGE, Action.DELETE, Action.EXPORT
ACCEPT, TEST = Action.ACCEPT, Action.TEST_CONNECTION
RELEASE, PRESERVED = Action.RELEASE_HOLD, Action.READ_PRESERVED
# Records that are evidence are archived, never deleted: these grant every record verb but delete.
KEEP = frozenset({V, A, C, E})
ALL = frozenset({V, A, C, D, E})  # every record verb; the verbs beyond them are always named
EVERY_ACTION = frozenset(Action)  # what the system actor may do
READ = frozenset({V})
READ_EXPORT = frozenset({V, E})
NONE: frozenset[Action] = frozenset()


@dataclass(frozen=True)
class Resource:
    """A kind of record and the actions each role may take on it.

    ``contractor_path``: ORM path from the record to its contractor's id; records without one are
    internal and invisible to contractor users. ``case_path``: ORM path to the incident case's id, for
    investigators. A role missing from ``grants`` may do nothing.
    """

    name: str
    grants: Mapping[str, frozenset[Action]]
    contractor_path: str | None = None
    case_path: str | None = None


_R = Role
RESOURCES: dict[str, Resource] = {
    r.name: r
    for r in [
        Resource(
            "organisation",
            {
                _R.PROTECTION_MANAGER: frozenset({V, C}),
                _R.TOP_MANAGEMENT: READ,
                _R.AUDIT_MANAGER: READ,
                _R.STAFF: READ,
            },
        ),
        Resource(
            "user",
            {_R.PROTECTION_MANAGER: ALL, _R.TOP_MANAGEMENT: READ_EXPORT, _R.AUDIT_MANAGER: READ_EXPORT},
        ),
        Resource(
            "audit_entry",
            {
                _R.PROTECTION_MANAGER: READ_EXPORT,
                _R.TOP_MANAGEMENT: READ_EXPORT,
                _R.AUDIT_MANAGER: READ_EXPORT,
            },
        ),
        Resource(
            "contractor",
            {
                _R.PROTECTION_MANAGER: ALL,
                _R.TOP_MANAGEMENT: READ_EXPORT,
                _R.AUDIT_MANAGER: READ_EXPORT,
                _R.STAFF: READ,
                _R.CONTRACTOR: READ,
            },
            contractor_path="id",
        ),
        # Selection evaluations, contracts, sub-contractors and periodic reviews (委託先の監督): internal records,
        # archived, never deleted; approve = approve an evaluation or a sub-contractor.
        Resource(
            "contractor_supervision",
            {
                _R.PROTECTION_MANAGER: KEEP | {Action.APPROVE},
                _R.TOP_MANAGEMENT: READ_EXPORT,
                _R.AUDIT_MANAGER: READ_EXPORT,
            },
        ),
        # The joint incident manual (会社間の事故対応マニュアル): export = download a version; a contractor's users
        # see their own contractor's versions and acknowledge them (change = acknowledge, in contractors.manual).
        Resource(
            "contractor_manual",
            {
                _R.PROTECTION_MANAGER: KEEP,
                _R.TOP_MANAGEMENT: READ_EXPORT,
                _R.AUDIT_MANAGER: READ_EXPORT,
                _R.CONTRACTOR: frozenset({V, C, E}),
            },
            contractor_path="contractor_id",
        ),
        Resource(
            "incident_case",
            {
                _R.PROTECTION_MANAGER: KEEP | {RELEASE},
                _R.TOP_MANAGEMENT: frozenset({V, C, E}),
                _R.AUDIT_MANAGER: READ_EXPORT,
                _R.STAFF: frozenset({V, A}),
                _R.CONTRACTOR: frozenset({V, A}),
                _R.INVESTIGATOR: READ,
            },
            contractor_path="contractor_id",
            case_path="id",
        ),
        Resource(
            "case_access",
            {_R.PROTECTION_MANAGER: ALL, _R.TOP_MANAGEMENT: READ, _R.AUDIT_MANAGER: READ},
        ),
        # What a case holds. Contractor users see the parts of their contractor's cases; which tasks and
        # evidence among those (only their own) is narrowed in incidents/portal.py.
        Resource(
            "case_timeline",
            {
                _R.PROTECTION_MANAGER: KEEP,
                _R.TOP_MANAGEMENT: frozenset({V, A, E}),
                _R.AUDIT_MANAGER: READ_EXPORT,
                _R.STAFF: frozenset({V, A}),
                _R.CONTRACTOR: frozenset({V, A}),
                _R.INVESTIGATOR: READ,
            },
            contractor_path="case__contractor_id",
            case_path="case_id",
        ),
        Resource(
            "case_task",
            {
                _R.PROTECTION_MANAGER: KEEP,
                _R.TOP_MANAGEMENT: frozenset({V, C, E}),
                _R.AUDIT_MANAGER: READ_EXPORT,
                _R.STAFF: frozenset({V, C}),
                _R.CONTRACTOR: frozenset({V, C}),
            },
            contractor_path="case__contractor_id",
            case_path="case_id",
        ),
        Resource(
            "playbook",
            {
                _R.PROTECTION_MANAGER: ALL,
                _R.TOP_MANAGEMENT: READ,
                _R.AUDIT_MANAGER: READ,
                _R.STAFF: READ,
            },
        ),
        Resource(
            "appi_assessment",
            {
                _R.PROTECTION_MANAGER: frozenset({V, A, E}),
                _R.TOP_MANAGEMENT: READ_EXPORT,
                _R.AUDIT_MANAGER: READ_EXPORT,
                _R.INVESTIGATOR: READ,
            },
            case_path="case_id",
        ),
        Resource(
            "evidence",
            {
                # delete = destroy a preserved copy after its hold was released (a recorded action)
                _R.PROTECTION_MANAGER: ALL | {PRESERVED},
                _R.TOP_MANAGEMENT: READ_EXPORT,
                _R.AUDIT_MANAGER: READ_EXPORT,
                _R.STAFF: frozenset({V, A}),
                _R.CONTRACTOR: frozenset({V, A}),
                _R.INVESTIGATOR: frozenset({V, E, PRESERVED}),
            },
            contractor_path="case__contractor_id",
            case_path="case_id",
        ),
        Resource(
            "preservation_notice",
            {
                _R.PROTECTION_MANAGER: KEEP,
                _R.TOP_MANAGEMENT: READ,
                _R.AUDIT_MANAGER: READ,
                _R.CONTRACTOR: frozenset({V, C}),  # change = acknowledge
                _R.INVESTIGATOR: READ,
            },
            contractor_path="contractor_id",
            case_path="case_id",
        ),
        Resource("job", {_R.PROTECTION_MANAGER: READ, _R.AUDIT_MANAGER: READ}),
        # JIS Q 15001 requirements (要求事項) and their evidence: kept, never deleted (audits cite them).
        Resource(
            "control",
            {_R.PROTECTION_MANAGER: KEEP, _R.TOP_MANAGEMENT: READ_EXPORT, _R.AUDIT_MANAGER: READ_EXPORT},
        ),
        # Training (教育): the manager keeps the plan and records; everyone internal reads the plan; staff read
        # only their own records (narrowed in pms/services_training.py).
        Resource(
            "training_course",
            {
                _R.PROTECTION_MANAGER: KEEP,
                _R.TOP_MANAGEMENT: READ_EXPORT,
                _R.AUDIT_MANAGER: READ_EXPORT,
                _R.STAFF: READ,
            },
        ),
        Resource(
            "training_record",
            {
                _R.PROTECTION_MANAGER: KEEP,
                _R.TOP_MANAGEMENT: READ_EXPORT,
                _R.AUDIT_MANAGER: READ_EXPORT,
                _R.STAFF: READ,
            },
        ),
        # Internal audit (内部監査): the audit manager plans, checks and reports; the protection manager reads the
        # findings and raises the corrective actions (risk ADD), so nobody closes their own finding.
        Resource(
            "internal_audit",
            {_R.AUDIT_MANAGER: KEEP, _R.PROTECTION_MANAGER: READ_EXPORT, _R.TOP_MANAGEMENT: READ_EXPORT},
        ),
        # Documents (文書管理): the manager drafts; approval by the role the kind names (pms/services_documents.py).
        Resource(
            "pms_document",
            {
                _R.PROTECTION_MANAGER: KEEP | {Action.APPROVE},
                _R.TOP_MANAGEMENT: frozenset({V, E, Action.APPROVE}),
                _R.AUDIT_MANAGER: READ_EXPORT,
                _R.STAFF: READ,
            },
        ),
        # Requests from persons (開示等の請求) and complaints (苦情・相談): staff at the desk record them; the
        # manager handles and answers them.
        Resource(
            "subject_request",
            {
                _R.PROTECTION_MANAGER: KEEP,
                _R.TOP_MANAGEMENT: READ_EXPORT,
                _R.AUDIT_MANAGER: READ_EXPORT,
                _R.STAFF: frozenset({V, A}),
            },
        ),
        Resource(
            "complaint",
            {
                _R.PROTECTION_MANAGER: KEEP,
                _R.TOP_MANAGEMENT: READ_EXPORT,
                _R.AUDIT_MANAGER: READ_EXPORT,
                _R.STAFF: frozenset({V, A}),
            },
        ),
        # Management review (マネジメントレビュー): prepared by the manager, approved by top management.
        Resource(
            "management_review",
            {
                _R.PROTECTION_MANAGER: KEEP,
                _R.TOP_MANAGEMENT: frozenset({V, E, Action.APPROVE}),
                _R.AUDIT_MANAGER: READ_EXPORT,
            },
        ),
        Resource(
            "data_category",
            {_R.PROTECTION_MANAGER: ALL, _R.TOP_MANAGEMENT: READ, _R.AUDIT_MANAGER: READ, _R.STAFF: READ},
        ),
        Resource(
            "ledger_entry",
            {
                _R.PROTECTION_MANAGER: ALL,
                _R.TOP_MANAGEMENT: READ_EXPORT,
                _R.AUDIT_MANAGER: READ_EXPORT,
                _R.STAFF: READ,
                _R.CONTRACTOR: READ,
            },
            contractor_path="contractors",
        ),
        Resource(
            "risk",
            {
                # Risks and nonconformities are evidence of the PMS: archived with a reason, never deleted.
                _R.PROTECTION_MANAGER: KEEP | {ACCEPT},
                _R.TOP_MANAGEMENT: READ_EXPORT,
                _R.AUDIT_MANAGER: READ_EXPORT,
                _R.STAFF: READ,
            },
        ),
        Resource(
            "data_source",
            {
                # delete = remove a source that was never scanned (it holds no evidence); one with scans is archived
                _R.PROTECTION_MANAGER: KEEP | {D, TEST},
                _R.TOP_MANAGEMENT: READ_EXPORT,
                _R.AUDIT_MANAGER: READ_EXPORT,
                _R.STAFF: READ,
                _R.CONTRACTOR: READ,
            },
            contractor_path="contractor_id",
        ),
        Resource(
            "scan",
            {
                _R.PROTECTION_MANAGER: KEEP,  # scans and their findings are evidence: never deleted
                _R.TOP_MANAGEMENT: READ,
                _R.AUDIT_MANAGER: READ,
                _R.STAFF: READ,
                _R.CONTRACTOR: frozenset({V, A}),
            },
            contractor_path="source__contractor_id",
        ),
        # Scoping (影響範囲の特定): the affected people of a case. Investigators read them on invited cases.
        Resource(
            "scoping",
            {
                _R.PROTECTION_MANAGER: KEEP,
                _R.TOP_MANAGEMENT: READ_EXPORT,
                _R.AUDIT_MANAGER: READ,
                _R.INVESTIGATOR: READ,
            },
            case_path="case_id",
        ),
        # The inquiry desk (問い合わせ窓口): is this person affected? yes/no only, every lookup recorded.
        Resource("scoping_inquiry", {_R.PROTECTION_MANAGER: READ, _R.TOP_MANAGEMENT: READ, _R.STAFF: READ}),
        Resource("reconciliation", {_R.PROTECTION_MANAGER: ALL, _R.TOP_MANAGEMENT: READ, _R.AUDIT_MANAGER: READ}),
        # Notices to individuals (本人への通知): campaigns and their deliveries, evidence of notification, never
        # deleted. The manager sends (change) and exports letters and lists; top management and audit read.
        Resource("notice", {_R.PROTECTION_MANAGER: KEEP, _R.TOP_MANAGEMENT: READ, _R.AUDIT_MANAGER: READ}),
        # Card-company lists: change = start a matching run or archive a list; only masks ever leave (cardlists app).
        Resource(
            "card_list",
            {_R.PROTECTION_MANAGER: KEEP, _R.TOP_MANAGEMENT: READ, _R.AUDIT_MANAGER: READ, _R.INVESTIGATOR: READ},
            case_path="case_id",
        ),
        Resource(
            "card_match",
            {
                _R.PROTECTION_MANAGER: READ_EXPORT,
                _R.TOP_MANAGEMENT: READ,
                _R.AUDIT_MANAGER: READ,
                _R.INVESTIGATOR: READ,
            },
            case_path="run__card_list__case_id",
        ),
        # Everyone sees and revokes their own tokens (scoped in accounts.services); the manager sees and revokes all.
        Resource("api_token", {_R.PROTECTION_MANAGER: frozenset({V, C})}),
    ]
}


def resource(name: str) -> Resource:
    try:
        return RESOURCES[name]
    except KeyError:
        raise LookupError(f"policy: unknown resource {name!r}; add it to RESOURCES") from None


def is_system(actor: Actor) -> bool:
    return isinstance(actor, SystemActor)


def is_active_user(actor: Actor) -> bool:
    """Signed in, active, and (for investigators and others with an end date) not expired."""
    if is_system(actor):
        return True
    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_active", False):
        return False
    return not actor.access_expired()


def is_contractor_user(actor: Actor) -> bool:
    """A contractor user (委託先担当者): what it reports belongs to its own contractor."""
    return getattr(actor, "role", None) == Role.CONTRACTOR


def is_outsider(actor: Actor) -> bool:
    """Contractor users and outside investigators: they see only the records shared with them."""
    return getattr(actor, "role", None) in (Role.CONTRACTOR, Role.INVESTIGATOR)


def may_be_invited(user: Actor) -> bool:
    """Access to a single incident case is granted to outside investigators only."""
    return getattr(user, "role", None) == Role.INVESTIGATOR


def allowed(actor: Actor, resource_name: str) -> frozenset[Action]:
    """The actions the actor's role may take on this kind of record (before record scoping)."""
    res = resource(resource_name)
    if is_system(actor):
        return EVERY_ACTION
    if not is_active_user(actor):
        return NONE
    return res.grants.get(actor.role, NONE)


def can(actor: Actor, action: Action, resource_name: str, obj: Model | None = None) -> bool:
    if action not in allowed(actor, resource_name):
        return False
    return obj is None or is_visible(actor, resource_name, obj)


def scope(actor: Actor, resource_name: str, queryset: QuerySet[M]) -> QuerySet[M]:
    """The records of ``queryset`` the actor may see."""
    res = resource(resource_name)
    if Action.VIEW not in allowed(actor, resource_name):
        return queryset.none()
    if is_system(actor):
        return queryset
    row_filter = _row_filter(actor, res)
    if not row_filter:
        return queryset
    # A subquery rather than a join, so paths through many-to-many relations never duplicate rows.
    allowed_pks = queryset.model._default_manager.filter(row_filter).values("pk")
    return queryset.filter(pk__in=allowed_pks)


def _row_filter(actor: User, res: Resource) -> Q:
    if actor.role == Role.CONTRACTOR:
        if res.contractor_path is None or actor.contractor_id is None:
            return Q(pk__in=[])
        return Q(**{res.contractor_path: actor.contractor_id})
    if actor.role == Role.INVESTIGATOR:
        if res.case_path is None:
            return Q(pk__in=[])
        return Q(**{f"{res.case_path}__in": invited_case_ids(actor)})
    return Q()


def invited_case_ids(actor: User) -> QuerySet[Any]:
    from mamori.incidents.models import CaseAccess

    return CaseAccess.objects.filter(user=actor, expires_at__gt=timezone.now()).values("case_id")


def is_visible(actor: Actor, resource_name: str, obj: Model) -> bool:
    model = type(obj)
    return scope(actor, resource_name, model._default_manager.filter(pk=obj.pk)).exists()


def check(actor: Actor, action: Action, resource_name: str, obj: Model | None = None) -> None:
    """Raise unless the actor may take ``action``: 404 for records it may not see, 403 otherwise."""
    if obj is not None and not is_visible(actor, resource_name, obj):
        raise NotVisible(f"No {resource_name} matches the given query.")
    if action not in allowed(actor, resource_name):
        raise Refused(action, resource_name)


def get_visible(actor: Actor, resource_name: str, queryset: QuerySet[M], **lookup: Any) -> M:
    """Fetch one record the actor may see, or raise ``NotVisible`` (404)."""
    try:
        return scope(actor, resource_name, queryset).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise NotVisible(f"No {resource_name} matches the given query.") from None
