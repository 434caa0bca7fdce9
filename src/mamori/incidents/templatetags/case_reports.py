"""The reports panel of a case page: download links for every report draft, for users who may export the case."""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.incidents import reports
from mamori.incidents.models import IncidentCase
from mamori.incidents.reports.content import latest_assessment

register = template.Library()


@register.simple_tag(takes_context=True)
def reports_panel(context: template.Context, case: IncidentCase) -> SafeString:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not policy.can(user, Action.EXPORT, reports.RESOURCE, case):
        return SafeString("")
    rows = [{"kind": kind, "label": label} for kind, label in reports.KINDS.items()]
    html = render_to_string(
        "incidents/parts/reports_panel.html",
        {"case": case, "rows": rows, "assessment": latest_assessment(case)},
        request=request,
    )
    return SafeString(html)
