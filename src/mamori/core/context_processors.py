from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.core.models import Organisation
from mamori.core.navigation import AREAS


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not policy.is_active_user(user):
        return {"nav_areas": []}
    visible = [area for area in AREAS if area.resource is None or Action.VIEW in policy.allowed(user, area.resource)]
    if not policy.is_contractor_user(user):
        visible = [a for a in visible if not a.contractors_only]
    if policy.is_outsider(user):
        # Outsiders see only the areas that hold records shared with them.
        visible = [a for a in visible if a.resource is not None or a.key == "dashboard"]
    return {"nav_areas": visible, "organisation": Organisation.current()}
