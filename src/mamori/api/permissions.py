"""DRF permission that asks the one policy (mamori.accounts.policy) — the same rules as the UI.

List and create requests are decided by the role's grants (403 when the role may not). Requests for
one record are let through here and decided on the record: the viewset fetches it from
``policy.scope`` so a record the user may not know about is 404, and ``has_object_permission`` gives
403 for a visible record the role may not change or delete.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models import Model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from mamori.accounts import policy
from mamori.accounts.policy import Action

METHOD_ACTIONS = {
    "GET": Action.VIEW,
    "HEAD": Action.VIEW,
    "OPTIONS": Action.VIEW,
    "POST": Action.ADD,
    "PUT": Action.CHANGE,
    "PATCH": Action.CHANGE,
    "DELETE": Action.DELETE,
}


# How each policy verb reads in a refusal ("... may not <verb> ..."); a context of its own, as "view" or
# "add" elsewhere are buttons.
ACTION_WORDS = {
    Action.VIEW: pgettext_lazy("refused action", "view"),
    Action.ADD: pgettext_lazy("refused action", "add"),
    Action.CHANGE: pgettext_lazy("refused action", "change"),
    Action.DELETE: pgettext_lazy("refused action", "delete"),
    Action.EXPORT: pgettext_lazy("refused action", "export"),
    Action.ACCEPT: pgettext_lazy("refused action", "accept"),
    Action.APPROVE: pgettext_lazy("refused action", "approve"),
    Action.RELEASE_HOLD: pgettext_lazy("refused action", "release the legal hold of"),
    Action.READ_PRESERVED: pgettext_lazy("refused action", "open preserved copies of"),
    Action.TEST_CONNECTION: pgettext_lazy("refused action", "test the connection of"),
}


def resource_label(resource_name: str, model: type[Model] | None = None) -> str:
    """The translated name of a kind of record: the model's verbose name (plural), found from the view's model
    or from the resource name (``case_task`` is the model ``casetask``)."""
    if model is None:
        wanted = resource_name.replace("_", "")
        model = next((m for m in apps.get_models() if m._meta.model_name == wanted), None)
    if model is None:
        return _("these records")
    return str(model._meta.verbose_name_plural)


def refusal_message(action: str, resource_name: str, model: type[Model] | None = None) -> str:
    word = ACTION_WORDS.get(Action(action), action) if action in Action._value2member_map_ else action
    return _("Your role may not %(action)s %(records)s.") % {
        "action": word,
        "records": resource_label(resource_name, model),
    }


def _view_model(view: Any) -> type[Model] | None:
    queryset = getattr(type(view), "queryset", None)
    return getattr(queryset, "model", None)


def request_action(request: Request, view: Any) -> Action:
    """The policy action of this request; a view may name it per DRF action (``policy_actions``)."""
    named = getattr(view, "policy_actions", {}).get(getattr(view, "action", None))
    return named or METHOD_ACTIONS.get(request.method or "GET", Action.VIEW)


class PolicyPermission(BasePermission):
    """Views declare ``policy_resource``; views without one need only an active, signed-in user."""

    message: Any = gettext_lazy("You may not do this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        if not policy.is_active_user(request.user):
            return False
        resource = getattr(view, "policy_resource", None)
        if resource is None or getattr(view, "detail", False):
            return True
        if not hasattr(view, (request.method or "get").lower()):
            return True  # let DRF answer 405 rather than 403 for a method the endpoint lacks
        action = request_action(request, view)
        if action in policy.allowed(request.user, resource):
            return True
        self.message = refusal_message(action, resource, _view_model(view))
        return False

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        resource = getattr(view, "policy_resource", None)
        if resource is None:
            return True
        action = request_action(request, view)
        if policy.can(request.user, action, resource, obj):
            return True
        self.message = refusal_message(action, resource, _view_model(view))
        return False
