"""``{% pms_tabs "training" %}``: the management system's sub-menu, showing only what the user may open."""

from __future__ import annotations

from typing import Any

from django import template

from mamori.accounts import policy
from mamori.accounts.policy import Action

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


@register.inclusion_tag("pms/_tabs.html", takes_context=True)
def pms_tabs(context: template.Context, current: str) -> dict[str, Any]:
    user = context["request"].user
    shown = [(key, url) for key, url, resource in TABS if Action.VIEW in policy.allowed(user, resource)]
    return {"tabs": shown, "current": current}
