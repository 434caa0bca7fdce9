"""The appi panel of a case page (filled in by the appi part)."""

from django import template
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag(takes_context=True)
def appi_panel(context: template.Context, case: object) -> SafeString:
    return SafeString("")
