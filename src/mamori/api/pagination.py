"""Page-number pagination: ``?page=2&page_size=100`` (``page`` from 1, ``page_size`` 1…500; default 50).

A ``page`` or ``page_size`` that is not a whole number in range is a 400 naming the parameter (DRF would
silently use the default size, or answer 404 for ``page=abc``); a page past the last one is 404.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

from mamori.core.crud import MAX_ID

MAX_PAGE_SIZE = 500
_NUMBER = re.compile(r"^[0-9]{1,19}$")


def _whole_number(request: Request, name: str, maximum: int) -> int | None:
    value = request.query_params.get(name)
    if value is None:
        return None
    if not _NUMBER.match(value) or not 1 <= int(value) <= maximum:
        raise exceptions.ValidationError({name: [_("Give a whole number from 1 to %(max)d.") % {"max": maximum}]})
    return int(value)


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        _whole_number(request, self.page_query_param, MAX_ID)
        _whole_number(request, self.page_size_query_param, MAX_PAGE_SIZE)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "A page number, from 1 (a page past the last one is 404).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Results per page, 1 to {MAX_PAGE_SIZE} (default {self.page_size or 50}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
        ]

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        body = super().get_paginated_response_schema(schema)
        body["properties"]["count"]["minimum"] = 0
        return body


def page_parameters() -> list[Any]:
    """``page`` and ``page_size`` for an action that pages its own answer (drf-spectacular adds them to lists only)."""
    from drf_spectacular.utils import OpenApiParameter

    return [
        OpenApiParameter(p["name"], p["schema"], OpenApiParameter.QUERY, description=p["description"])
        for p in Pagination().get_schema_operation_parameters(None)
    ]
