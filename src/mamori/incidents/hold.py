"""The legal hold of a case (証拠保全): placed at once, released only by two different managers.

While ``IncidentCase.legal_hold`` is on, the case's evidence and the data sources, scans and findings linked to it
cannot be deleted, destroyed or replaced (``mamori.evidence.holds.refuse_if_held``). Releasing it takes a written
reason from one protection manager (``request_release``) and the approval of a second, different one
(``approve_release``); either step, and placing the hold again, writes the audit entry, a line of the case's
timeline and a custody link ("hold_released" / "hold_placed") for every piece of the case's evidence.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.accounts import policy
from mamori.accounts.policy import Action, Actor
from mamori.audit import services as audit
from mamori.incidents.models import HoldRelease, IncidentCase, TimelineEvent, TimelineKind

RESOURCE = "incident_case"


class NotTheSameManager(PermissionDenied):
    """The manager who asked for the release may not approve it: two different people must agree."""


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a written reason.")})
    return reason


def _user(actor: Actor) -> Any:
    return actor if getattr(actor, "pk", None) and not policy.is_system(actor) else None


def pending_release(case: IncidentCase) -> HoldRelease | None:
    return (
        HoldRelease.objects.filter(case=case, approved_at__isnull=True, withdrawn_at__isnull=True)
        .select_related("requested_by")
        .order_by("-requested_at", "-pk")
        .first()
    )


def _timeline(actor: Actor, case: IncidentCase, title: str, description: str) -> None:
    TimelineEvent.objects.create(
        case=case,
        kind=TimelineKind.SYSTEM,
        occurred_at=timezone.now(),
        title=title,
        description=description,
        recorded_by=_user(actor),
    )


def request_release(actor: Actor, case: IncidentCase, reason: str) -> HoldRelease:
    """A protection manager asks for the hold to be lifted, with a written reason; a second manager decides."""
    policy.check(actor, Action.RELEASE_HOLD, RESOURCE, case)
    reason = _reason(reason)
    if _user(actor) is None:
        raise NotTheSameManager(_("Two protection managers, signed in as themselves, release a hold."))
    with transaction.atomic():
        case = IncidentCase.objects.select_for_update().get(pk=case.pk)
        if not case.legal_hold:
            raise ValidationError(_("This case is not under legal hold."))
        if pending_release(case) is not None:
            raise ValidationError(_("A request to release this hold is already waiting for approval."))
        release = HoldRelease.objects.create(case=case, reason=reason, requested_by=actor, requested_at=timezone.now())
        audit.record_create(actor, release, message=reason)
        _timeline(actor, case, _("Release of the legal hold requested"), reason)
    return release


def approve_release(actor: Actor, release: HoldRelease) -> HoldRelease:
    """A second, different protection manager approves: the hold is lifted."""
    policy.check(actor, Action.RELEASE_HOLD, RESOURCE, release.case)
    from mamori.evidence import services as evidence
    from mamori.evidence.models import CustodyAction

    with transaction.atomic():
        release = HoldRelease.objects.select_for_update().select_related("case").get(pk=release.pk)
        if release.approved_at or release.withdrawn_at:
            raise ValidationError(_("This request was already decided or withdrawn."))
        if release.requested_by_id == getattr(actor, "pk", None) or _user(actor) is None:
            raise NotTheSameManager(_("A second protection manager, not the one who asked, must approve the release."))
        case = IncidentCase.objects.select_for_update().get(pk=release.case_id)
        if not case.legal_hold:
            raise ValidationError(_("This case is not under legal hold."))
        before_release, before_case = audit.snapshot(release), audit.snapshot(case)
        now = timezone.now()
        release.approved_by, release.approved_at = actor, now
        release.save(update_fields=["approved_by", "approved_at"])
        case.legal_hold, case.hold_released_at = False, now
        case.save(update_fields=["legal_hold", "hold_released_at", "updated_at"])
        audit.record_update(actor, release, before_release)
        audit.record(
            actor, "release_hold", case, changes=audit.diff(before_case, audit.snapshot(case)), message=release.reason
        )
        text = _("Requested by %(requester)s: %(reason)s") % {
            "requester": release.requested_by.get_username(),
            "reason": release.reason,
        }
        _timeline(actor, case, _("Legal hold released"), text)
        evidence.record_hold(actor, case, CustodyAction.HOLD_RELEASED, release.reason)
    return release


def withdraw_release(actor: Actor, release: HoldRelease) -> HoldRelease:
    """The request is taken back (by its requester or another manager); the hold stays."""
    policy.check(actor, Action.RELEASE_HOLD, RESOURCE, release.case)
    with transaction.atomic():
        release = HoldRelease.objects.select_for_update().select_related("case").get(pk=release.pk)
        if release.approved_at or release.withdrawn_at:
            raise ValidationError(_("This request was already decided or withdrawn."))
        before = audit.snapshot(release)
        release.withdrawn_at = timezone.now()
        release.save(update_fields=["withdrawn_at"])
        audit.record_update(actor, release, before, message="withdrawn")
        _timeline(actor, release.case, _("Request to release the legal hold withdrawn"), release.reason)
    return release


def place_hold(actor: Actor, case: IncidentCase, reason: str) -> IncidentCase:
    """Put the case (back) under legal hold. Anyone who may change the case may protect its evidence."""
    policy.check(actor, Action.CHANGE, RESOURCE, case)
    reason = _reason(reason)
    from mamori.evidence import services as evidence
    from mamori.evidence.models import CustodyAction

    with transaction.atomic():
        case = IncidentCase.objects.select_for_update().get(pk=case.pk)
        if case.legal_hold:
            raise ValidationError(_("This case is already under legal hold."))
        before = audit.snapshot(case)
        case.legal_hold, case.hold_placed_at = True, timezone.now()
        case.save(update_fields=["legal_hold", "hold_placed_at", "updated_at"])
        audit.record(actor, "place_hold", case, changes=audit.diff(before, audit.snapshot(case)), message=reason)
        _timeline(actor, case, _("Legal hold placed"), reason)
        evidence.record_hold(actor, case, CustodyAction.HOLD_PLACED, reason)
    return case
