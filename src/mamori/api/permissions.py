"""DRF permission that asks the one policy (mamori.accounts.policy) — the same rules as the UI."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from mamori.accounts import policy
from mamori.accounts.policy import Action

METHOD_ACTIONS = {"GET": Action.VIEW, "HEAD": Action.VIEW, "OPTIONS": Action.VIEW, "POST": Action.ADD,
                  "PUT": Action.CHANGE, "PATCH": Action.CHANGE, "DELETE": Action.DELETE}


class PolicyPermission(BasePermission):
    """Views declare ``policy_resource``; objects are fetched from ``policy.scope`` so unseen ones are 404."""

    def has_permission(self, request: Request, view: Any) -> bool:
        resource = getattr(view, "policy_resource", None)
        if resource is None:
            return bool(request.user and request.user.is_authenticated)
        action = METHOD_ACTIONS.get(request.method or "GET", Action.VIEW)
        if action is not Action.VIEW and getattr(view, "detail", False):
            # Object-level actions are decided in has_object_permission so unseen records give 404.
            return Action.VIEW in policy.allowed(request.user, resource) or policy.is_active_user(request.user)
        return action in policy.allowed(request.user, resource)

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        resource = getattr(view, "policy_resource", None)
        if resource is None:
            return True
        action = METHOD_ACTIONS.get(request.method or "GET", Action.VIEW)
        policy.check(request.user, action, resource, obj)
        return True
