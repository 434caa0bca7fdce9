"""The appi panel of a case page: the latest APPI assessment, earlier ones and (for the manager) the form."""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.incidents import appi
from mamori.incidents.models import IncidentCase

register = template.Library()


@register.simple_tag(takes_context=True)
def appi_panel(context: template.Context, case: IncidentCase) -> SafeString:
    """Nothing for users who may not see assessments (staff, contractor users); the panel otherwise."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not policy.can(user, Action.VIEW, appi.RESOURCE):
        return SafeString("")
    from mamori.incidents.views_appi import panel_context  # views import forms; keep template loading light

    html = render_to_string("incidents/parts/appi_panel.html", panel_context(user, case), request=request)
    return mark_safe(html)  # noqa: S308 - rendered by the template engine, which escaped every value
