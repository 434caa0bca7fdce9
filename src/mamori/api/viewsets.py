"""The base of every record endpoint: scoped querysets, services for writes, policy for permission.

A subclass names its ``policy_resource`` and base queryset and implements the service calls; the
permission class (mamori.api.permissions) and ``get_queryset`` here make unseen records 404 and
visible-but-forbidden ones 403, exactly as the UI does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from rest_framework import exceptions, viewsets
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.schemas.inspectors import ViewInspector
from rest_framework.serializers import BaseSerializer
from rest_framework.settings import api_settings

from mamori.accounts import policy
from mamori.api.filters import BACKENDS, filter_parameters
from mamori.api.parsers import EmptyFormParser, EmptyUrlencodedParser, JSONParser
from mamori.api.schema import AutoSchema

# Read by DRF itself on every endpoint (``?format=json`` picks the JSON renderer, ``api`` the browsable one).
ALWAYS_ALLOWED = frozenset({api_settings.URL_FORMAT_OVERRIDE or "format"})


def known_parameters(view: Any) -> set[str]:
    """The query parameters this request's action reads: its filters, ordering, search and pages, and any
    named in the view's ``query_parameters`` (``{"action": {"name", ...}}``)."""
    names = set(ALWAYS_ALLOWED)
    names.update(getattr(view, "query_parameters", {}).get(getattr(view, "action", None), ()))
    action, detail = getattr(view, "action", None), getattr(view, "detail", False)
    if not hasattr(view, "get_queryset"):
        return names  # a plain APIView: no filters, no pages
    if action == "list" or (not detail and view.request.method in ("GET", "HEAD")):
        names.update(filter_parameters(view))
    paginator = getattr(view, "paginator", None)
    if paginator is not None and (action == "list" or not detail):
        names.update({paginator.page_query_param, paginator.page_size_query_param})
    return names


def check_query_parameters(view: Any, request: Request) -> None:
    """A parameter the endpoint does not read is a 400 naming it, not a 200 that silently ignored it."""
    method = (request.method or "GET").lower()
    if method == "options" or method not in view.http_method_names or not hasattr(view, method):
        return  # OPTIONS describes; a method the endpoint lacks is answered 405 before any parameter
    known = known_parameters(view)
    unknown = sorted(name for name in request.query_params if name not in known)
    if unknown:
        message = _("This endpoint does not take this parameter (it takes: %(known)s).") % {
            "known": ", ".join(sorted(known - ALWAYS_ALLOWED)) or "-"
        }
        raise exceptions.ValidationError({name: [message] for name in unknown[:20]})


class StrictQueryMixin:
    """Strict filter backends, the query-parameter check and the API's schema class (see module docstrings)."""

    filter_backends: Sequence[type[Any]] = BACKENDS
    # Bodies are JSON, where a type is a type ("0" is not 0, "null" is not null); an endpoint that takes a file
    # names the multipart parser itself.
    parser_classes: Sequence[type[BaseParser]] = [JSONParser, EmptyFormParser, EmptyUrlencodedParser]
    schema: ViewInspector | None = AutoSchema()
    query_parameters: dict[str | None, set[str]] = {}

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        check_query_parameters(self, request)


class PolicyViewSet(StrictQueryMixin, viewsets.GenericViewSet):
    policy_resource: str
    lookup_value_regex = r"[0-9]+"

    def base_queryset(self) -> QuerySet[Any]:
        queryset = type(self).queryset
        assert queryset is not None, f"{type(self).__name__} needs a queryset"
        return queryset.all()

    def get_queryset(self) -> QuerySet[Any]:
        return policy.scope(self.request.user, self.policy_resource, self.base_queryset())

    def options(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        if self.detail:
            self.get_object()  # a record the user may not see is 404 here too, not a description of it
        return super().options(request, *args, **kwargs)


class ServiceViewSet(PolicyViewSet, viewsets.ModelViewSet):
    """Create, update and delete through the domain services — never ``serializer.save()``."""

    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def create_record(self, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    def update_record(self, obj: Any, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    def delete_record(self, obj: Any) -> None:
        raise NotImplementedError

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        serializer.instance = self.create_record(dict(serializer.validated_data))

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        serializer.instance = self.update_record(serializer.instance, dict(serializer.validated_data))

    def perform_destroy(self, instance: Any) -> None:
        self.delete_record(instance)
