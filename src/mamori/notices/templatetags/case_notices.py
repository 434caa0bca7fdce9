"""The notices panel of a case page, for users who may read notices."""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.incidents.models import IncidentCase

register = template.Library()


@register.simple_tag(takes_context=True)
def notices_panel(context: template.Context, case: IncidentCase) -> SafeString:
    from mamori.notices import services

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not policy.can(user, Action.VIEW, services.RESOURCE):
        return SafeString("")
    campaigns = [(c, services.totals(c)) for c in case.notice_campaigns.filter(archived_at__isnull=True)]
    html = render_to_string("notices/_panel.html", {"case": case, "campaigns": campaigns}, request=request)
    return SafeString(html)
