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
from mamori.audit import queries, registry
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
    names = _display_names({e.actor_id for e in entries if e.actor_id})
    rows = []
    for entry in entries:
        name = names.get(entry.actor_id or 0, "")
        rows.append((entry, name, _role_beside(name, entry.actor_role)))
    return {"allowed": True, "rows": rows, "url": trail_url(obj)}


def _role_beside(name: str, role: str) -> str:
    """The role the entry recorded, to show beside a display name — unless the name already says it (a demo's
    「天満 恵子 (個人情報保護管理者)」 would read the role twice)."""
    if not name or not role or role == "system":
        return ""
    label = str(registry.role_label(role))
    return "" if label in name else label


def _display_names(ids: set[int]) -> dict[int, str]:
    """Display names of the people in a record's recent history, as the rest of the pages name them (the entry
    keeps the login name it was written with; that stays in the full trail)."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(pk__in=ids).values_list("pk", "display_name")
    return {pk: name for pk, name in users if name}


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


# Render-time translation of what an entry stores as codes (see mamori.audit.registry): stored entries are
# never changed, the hash chain covers them.


@register.filter
def audit_action(code: str) -> str:
    """``login`` → ログイン."""
    return registry.action_label(code)


@register.filter
def audit_kind(object_type: str) -> str:
    """``ledger.ledgerentry`` → 台帳項目."""
    return registry.record_kind(object_type)


@register.filter
def audit_role(role: str) -> str:
    """``protection_manager`` → 個人情報保護管理者."""
    return registry.role_label(role)


@register.filter
def audit_via(via: str) -> str:
    """``cli`` → コンソール."""
    return registry.via_label(via)


@register.filter
def audit_message(message: str) -> str:
    """``ledger csv (10 entries)`` → 台帳 csv (10 件), where the recording app declared the pattern."""
    return registry.translate_message(message)


@register.simple_tag
def audit_field(object_type: str, name: str) -> str:
    """A changed field's translated name."""
    return registry.field_label(object_type, name)


@register.simple_tag
def audit_field_value(object_type: str, name: str, value: Any) -> str:
    """A changed field's value, choice codes as their translated label."""
    return audit_value(registry.value_label(object_type, name, value))


@register.filter
def audit_changed_fields(entry: AuditEntry) -> str:
    """The translated names of the fields an entry changed, comma-separated: on a new record only the fields it
    was given (not its id, not the empty ones)."""
    changes = entry.changes if isinstance(entry.changes, dict) else {}
    return ", ".join(
        registry.field_label(entry.object_type, name)
        for name, pair in changes.items()
        if name != "id" and not (isinstance(pair, list) and all(_empty(v) for v in pair))
    )


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


@register.filter
def audit_actor(entry: AuditEntry) -> str:
    """Who, with the role translated: ``manager (個人情報保護管理者)``; the system actor as システム."""
    who = registry.actor_label(entry.actor_username, entry.actor_role)
    if entry.actor_role and entry.actor_role != "system":
        return f"{who} ({registry.role_label(entry.actor_role)})"
    return who


@register.filter
def audit_repr(text: str) -> str:
    """A record's name as stored, read through the declared patterns (a job's task code as its label)."""
    return registry.translate_message(text)
