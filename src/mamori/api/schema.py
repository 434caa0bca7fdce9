"""The OpenAPI schema tells the truth about what the API enforces.

``AutoSchema`` (used by every endpoint through ``mamori.api.viewsets``) adds, once for all operations:

- the error responses every operation can give, each with the one error shape (``Error``): 400, 401, 403,
  404, 405 and 429, plus 409 and 413 for requests that write;
- query parameters typed and bounded as ``mamori.api.filters`` and ``pagination`` enforce them (booleans
  ``true``/``false``, ids 1…2⁶³−1, non-empty text up to 200 characters, ``ordering`` as the list it accepts);
- request fields bounded as ``mamori.api.fields`` enforces them: ids from 1, date-times between 1900 and 9999,
  text without NUL characters (and with something besides spaces where it may not be blank).
"""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular import openapi
from drf_spectacular.plumbing import get_view_model
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.settings import api_settings

from mamori.api.fields import DATE_TIME_PATTERN, MAX_YEAR, MIN_YEAR
from mamori.api.filters import (
    MAX_SEARCH_LENGTH,
    MAX_TEXT_FILTER_LENGTH,
    allowed_orderings,
    is_id_filter,
)
from mamori.core.crud import MAX_ID

NO_NUL = "^[^\\x00]*$"
NOT_EMPTY = "^[^\\x00]+$"
NOT_BLANK = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
DATE_TIME_NOTE = f"RFC 3339 date-time between the years {MIN_YEAR} and {MAX_YEAR}, with its offset."

ERROR = inline_serializer(
    "Error",
    {
        "error": inline_serializer(
            "ErrorBody",
            {
                "status": serializers.IntegerField(help_text="The HTTP status code."),
                "code": serializers.CharField(
                    help_text="What went wrong, for programs: invalid, conflict, not_found, not_authenticated, "
                    "authentication_failed, permission_denied, method_not_allowed, throttled, …"
                ),
                "message": serializers.CharField(help_text="What went wrong, for people (in the user's language)."),
                "fields": serializers.DictField(
                    child=serializers.ListField(child=serializers.JSONField()),
                    required=False,
                    help_text="400 and 409: the messages per field or query parameter "
                    "(non_field_errors for the request as a whole).",
                ),
            },
        )
    },
)

ERROR_DESCRIPTIONS = {
    "400": "The request or a query parameter is not valid (see error.fields).",
    "401": "No credentials, or credentials that are not valid (expired or revoked token, locked account).",
    "403": "The role may not do this, or a rule forbids it (for example a legal hold).",
    "404": "No such record for this user, no such page, or no such address.",
    "405": "The endpoint does not take this method.",
    "409": "Well formed, but conflicts with the stored records (a unique value taken, a named record missing, "
    "a job already running).",
    "413": "The request body is too large.",
    "429": "Too many requests; retry after the time in the Retry-After header.",
}
ALWAYS = ("400", "401", "403", "404", "405", "429")
WRITES = ("409", "413")


class AutoSchema(openapi.AutoSchema):
    def map_parsers(self) -> list[str]:
        # Parsers that only tolerate an empty form body are not a way to send data: the schema lists JSON.
        return [p.media_type for p in self.view.get_parsers() if not getattr(p, "hidden_in_schema", False)]

    def _get_request_for_media_type(self, serializer: Any, direction: Any = "request") -> Any:
        # A serializer with ``refuses_unknown_fields = True`` documents that other fields are refused.
        result = super()._get_request_for_media_type(serializer, direction)
        instance = serializer() if isinstance(serializer, type) else serializer
        if getattr(instance, "refuses_unknown_fields", False) and openapi.is_serializer(instance):
            component = self.resolve_serializer(instance, direction)
            if component:
                component.schema["additionalProperties"] = False
        return result

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        codes = [*ALWAYS, *(WRITES if self.method in ("POST", "PUT", "PATCH", "DELETE") else ())]
        for code in codes:
            if code in responses and responses[code].get("content"):
                continue
            error = self._get_response_for_code(ERROR, code, direction=direction)
            error["description"] = ERROR_DESCRIPTIONS[code]
            responses[code] = error
        return dict(sorted(responses.items()))

    def _map_serializer_field(self, field: Any, direction: Any, bypass_extensions: bool = False) -> dict[str, Any]:
        schema: dict[str, Any] = super()._map_serializer_field(field, direction, bypass_extensions)
        if field.read_only and isinstance(field, serializers.RelatedField) and _nullable_source(field):
            schema["nullable"] = True  # a read-only relation to an optional record (uploaded_by, destroyed_by, …)
        if direction == "response" and "" not in schema.get("enum", [""]) and _blank_source(field):
            schema["enum"] = [*schema["enum"], ""]  # a stored choice may be blank (drf-spectacular adds BlankEnum)
        if isinstance(field, serializers.PrimaryKeyRelatedField) and schema.get("type") == "integer":
            schema.update({k: v for k, v in ID_SCHEMA.items() if k != "type"})
        elif isinstance(field, serializers.DateTimeField) and schema.get("format") == "date-time":
            schema["pattern"] = DATE_TIME_PATTERN
            schema.setdefault("description", DATE_TIME_NOTE)
        elif (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and not isinstance(field, serializers.RegexField)
            and schema.get("type") == "string"
            and "format" not in schema
            and "enum" not in schema
            and not field.read_only
        ):
            # A blank-allowed field gets drf-spectacular's oneOf [pattern, empty]: the pattern must not match "".
            schema.setdefault("pattern", NOT_EMPTY if field.allow_blank else NOT_BLANK)
        return schema

    def _get_filter_parameters(self) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super()._get_filter_parameters()
        filterset = self._filterset_class()
        # DRF's ordering and search filters document themselves on every list; only where the view has fields.
        parameters = [
            p
            for p in parameters
            if not (p["name"] == api_settings.ORDERING_PARAM and not allowed_orderings(self.view))
            and not (p["name"] == api_settings.SEARCH_PARAM and not getattr(self.view, "search_fields", None))
        ]
        for parameter in parameters:
            name = parameter["name"]
            query_filter = filterset.base_filters.get(name) if filterset is not None else None
            if name == api_settings.ORDERING_PARAM:
                choices = sorted(allowed_orderings(self.view))
                parameter["schema"] = {"type": "string", "enum": choices}
                parameter["description"] = "Sort by this field (- for descending); several, comma-separated."
            elif name == api_settings.SEARCH_PARAM:
                parameter["schema"] = {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": MAX_SEARCH_LENGTH,
                    "pattern": NO_NUL,
                }
                parameter["description"] = "Words that must all appear (case-insensitive)."
            elif query_filter is not None:
                parameter["schema"] = _filter_schema(query_filter, parameter.get("schema", {}))
        return parameters

    def _filterset_class(self) -> Any:
        from django_filters.rest_framework import DjangoFilterBackend

        for backend in self.get_filter_backends():
            if issubclass(backend, DjangoFilterBackend):
                model = get_view_model(self.view)
                if model is None:
                    return None
                return backend().get_filterset_class(self.view, model._default_manager.none())
        return None


def _blank_source(field: Any) -> bool:
    model = getattr(getattr(getattr(field, "parent", None), "Meta", None), "model", None)
    if model is None or "." in (field.source or ""):
        return False
    try:
        return bool(model._meta.get_field(field.source).blank)
    except Exception:  # not a model field: leave the schema as it is
        return False


def _nullable_source(field: Any) -> bool:
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or "." in (field.source or ""):
        return False
    try:
        return bool(model._meta.get_field(field.source).null)
    except Exception:  # not a model field (a property or method): leave the schema as it is
        return False


def _filter_schema(query_filter: Any, schema: dict[str, Any]) -> dict[str, Any]:
    if isinstance(query_filter, django_filters.BooleanFilter):
        return {"type": "boolean"}
    if is_id_filter(query_filter):
        return dict(ID_SCHEMA)
    if isinstance(query_filter, django_filters.DateTimeFilter):
        return {"type": "string", "format": "date-time", "pattern": DATE_TIME_PATTERN}
    if isinstance(query_filter, django_filters.DateFilter):
        return {"type": "string", "format": "date", "pattern": DATE_TIME_PATTERN}
    if isinstance(query_filter, django_filters.CharFilter) and "enum" not in schema:
        return {"type": "string", "minLength": 1, "maxLength": MAX_TEXT_FILTER_LENGTH, "pattern": NO_NUL}
    return schema
