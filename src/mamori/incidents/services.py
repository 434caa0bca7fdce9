"""Incident case actions (インシデント事案). Later work adds timeline, evidence and deadlines here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mamori.accounts import policy
from mamori.accounts.models import User
from mamori.accounts.policy import Action, Actor
from mamori.audit import services as audit
from mamori.core import actions
from mamori.incidents.models import CaseAccess, IncidentCase

RESOURCE = "incident_case"


def create_case(actor: Actor, data: Mapping[str, Any]) -> IncidentCase:
    """Open a case. A contractor user's report always belongs to its own contractor."""
    values = dict(data)
    if policy.is_contractor_user(actor):
        values["contractor"] = actor.contractor
    return actions.create_record(actor, RESOURCE, IncidentCase, values)


def update_case(actor: Actor, case: IncidentCase, data: Mapping[str, Any]) -> IncidentCase:
    return actions.update_record(actor, RESOURCE, case, data)


def delete_case(actor: Actor, case: IncidentCase) -> None:
    actions.delete_record(actor, RESOURCE, case)


def invite_investigator(actor: Actor, case: IncidentCase, user: User, expires_at: dt.datetime) -> CaseAccess:
    """Let an outside investigator (外部調査員) read one case until ``expires_at``."""
    policy.check(actor, Action.ADD, "case_access")
    if not policy.may_be_invited(user):
        raise ValidationError({"user": _("Only outside investigators are invited to cases.")})
    with transaction.atomic():
        access, created = CaseAccess.objects.get_or_create(case=case, user=user, defaults={"expires_at": expires_at})
        if created:
            audit.record_create(actor, access)
        else:
            before = audit.snapshot(access)
            access.expires_at = expires_at
            access.save(update_fields=["expires_at"])
            audit.record_update(actor, access, before)
    return access


def revoke_investigator(actor: Actor, access: CaseAccess) -> None:
    actions.delete_record(actor, "case_access", access)
