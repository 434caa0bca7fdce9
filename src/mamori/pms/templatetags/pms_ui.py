"""``{% pms_tabs "training" %}``: the management system's sub-menu, showing only what the user may open.
``{{ item.result|pms_badge:"audit_result" }}``: the badge class for a status, so that across the PMS pages only a
nonconformity is red (overdue and records that disagree are marked red where they are shown), a finding to watch
is a caution, work under way is neutral and finished work is green."""

from __future__ import annotations

from typing import Any

from django import template

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.pms.models import CLOSED_REQUEST

register = template.Library()

TABS = (
    ("controls", "pms:list", "control"),
    ("readiness", "pms:readiness", "control"),
    ("training", "pms:training", "training_course"),
    ("audits", "pms:audits", "internal_audit"),
    ("reviews", "pms:reviews", "management_review"),
    ("documents", "pms:documents", "pms_document"),
    ("requests", "pms:requests", "subject_request"),
    ("complaints", "pms:complaints", "complaint"),
)

# kind -> status value -> the existing class (mamori.css: ok/closed green, contained yellow, alert red); a value
# not listed gets the plain neutral badge.
BADGES: dict[str, dict[str, str]] = {
    "audit_result": {"conforms": "status-ok", "observation": "status-contained", "nonconformity": "status-alert"},
    "audit_plan": {"reported": "status-ok"},
    "review": {"approved": "status-ok"},
    "control": {"implemented": "status-ok", "not_applicable": "status-closed"},
    "request": {str(status): "status-ok" for status in CLOSED_REQUEST},
    "complaint": {"closed": "status-ok"},
}


@register.inclusion_tag("pms/_tabs.html", takes_context=True)
def pms_tabs(context: template.Context, current: str) -> dict[str, Any]:
    user = context["request"].user
    shown = [(key, url) for key, url, resource in TABS if Action.VIEW in policy.allowed(user, resource)]
    return {"tabs": shown, "current": current}


@register.filter
def pms_badge(value: Any, kind: str) -> str:
    return BADGES[kind].get(str(value), "")
