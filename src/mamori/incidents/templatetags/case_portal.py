"""The portal panel of a case page: preservation notices to the contractor and their acknowledgement,
outside investigators' access, and the case-file export with the fingerprints of earlier exports."""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.incidents import export, portal
from mamori.incidents.forms_portal import ExportForm
from mamori.incidents.models import IncidentCase

register = template.Library()


@register.simple_tag(takes_context=True)
def portal_panel(context: template.Context, case: IncidentCase) -> SafeString:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or policy.is_outsider(user):
        return SafeString("")  # outsiders see the case through the portal page
    can_notices = policy.can(user, Action.VIEW, portal.NOTICE)
    can_accesses = policy.can(user, Action.VIEW, portal.ACCESS)
    can_export = policy.can(user, Action.EXPORT, portal.CASE, case)
    if not (can_notices or can_accesses or can_export):
        return SafeString("")
    values = {
        "case": case,
        "now": timezone.now(),
        "notices": portal.visible_notices(user).filter(case=case) if can_notices else None,
        "can_send_notice": case.contractor_id is not None and policy.can(user, Action.ADD, portal.NOTICE),
        "accesses": portal.case_accesses(user, case) if can_accesses else None,
        "can_invite": policy.can(user, Action.ADD, portal.ACCESS),
        "can_revoke": policy.can(user, Action.CHANGE, portal.ACCESS),
        "can_export": can_export,
        "export_form": ExportForm(),
        "exports": export.recent_exports(case) if can_export else [],
    }
    return SafeString(render_to_string("incidents/parts/portal_panel.html", values, request=request))
