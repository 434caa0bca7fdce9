"""``{{ days|days_left }}``: days left until a due date as a reader wants it.

“3 days left”, “due today”, “2 days overdue”."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def days_left(days: int | None) -> SafeString | str:
    if days is None:
        return "—"
    if days < 0:
        late = -days
        text = ngettext("%(n)d day overdue", "%(n)d days overdue", late) % {"n": late}
        return format_html('<span class="status status-alert">{}</span>', text)
    if days == 0:
        return format_html('<span class="status status-alert">{}</span>', _("Due today"))
    return ngettext("%(n)d day left", "%(n)d days left", days) % {"n": days}
