"""``{% may_preserve case as can_preserve %}``: whether the signed-in user may start "Preserve now"."""

from django import template

from mamori.evidence import preserve
from mamori.incidents.models import IncidentCase

register = template.Library()


@register.simple_tag(takes_context=True)
def may_preserve(context: template.Context, case: IncidentCase) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    return user is not None and preserve.may_preserve(user, case)
