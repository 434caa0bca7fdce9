"""The scoping panel of a case page: the current number of affected people and the versions."""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.incidents.models import IncidentCase
from mamori.scoping import services

register = template.Library()


@register.simple_tag(takes_context=True)
def scoping_panel(context: template.Context, case: IncidentCase) -> SafeString:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not policy.can(user, Action.VIEW, services.RESOURCE):
        return SafeString("")
    versions = services.for_case(user, case)[:5]
    ctx = {
        "case": case,
        "versions": versions,
        "current": services.current_scoping(case),
        "can_add": policy.can(user, Action.ADD, services.RESOURCE) and case.archived_at is None,
    }
    return SafeString(render_to_string("scoping/_panel.html", ctx, request=request))
