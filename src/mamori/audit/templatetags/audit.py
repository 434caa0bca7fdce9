"""``{% audit_trail_for obj %}``: the last changes of a record with a link to its full audit trail.

Shown only to users who may view the audit trail; other pages include it without checking themselves.
"""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.db.models import Model
from django.urls import reverse

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.audit import queries
from mamori.audit.models import AuditEntry

register = template.Library()
RECENT = 5


def trail_url(obj: Model) -> str:
    return reverse("audit:record", args=[obj._meta.label_lower, str(obj.pk)])


@register.inclusion_tag("audit/_trail_for.html", takes_context=True)
def audit_trail_for(context: template.Context, obj: Model, limit: int = RECENT) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if obj is None or obj.pk is None or not policy.can(user, Action.VIEW, "audit_entry"):
        return {"allowed": False}
    visible = policy.scope(user, "audit_entry", AuditEntry.objects.all())
    entries = list(queries.record_trail(visible, obj._meta.label_lower, str(obj.pk))[:limit])
    return {"allowed": True, "entries": entries, "url": trail_url(obj)}


@register.filter
def audit_record_url(obj: Model) -> str:
    """The URL of a record's audit trail, for pages that only want a link."""
    return trail_url(obj)


@register.filter
def audit_value(value: Any) -> str:
    """A before/after value as text: empty for none, JSON for lists and mappings."""
    if value is None or value == "":
        return "—"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)
