"""Query parameters: filters, ordering and search, checked as strictly as the schema states them.

Every list endpoint takes exactly the parameters its schema lists. An unknown parameter, an empty value, a
boolean other than ``true``/``false``, an id outside 1…2⁶³−1, a date-time outside the years 1900–9999, an
ordering the endpoint does not offer or a search term with a NUL character or more than 200 characters is a
400 that names the parameter — never a 200 with the filter silently left out. A well-formed id that matches
no record filters to an empty list (it is not an error: the schema cannot know which ids exist).

``QueryParameterCheck`` and the backends here are wired into every endpoint by
``mamori.api.viewsets.PolicyViewSet``; ``mamori.api.schema`` documents the same bounds.
"""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django_filters import rest_framework as drf_filters
from django_filters.utils import translate_validation
from rest_framework import exceptions, filters
from rest_framework.request import Request
from rest_framework.settings import api_settings

from mamori.api.fields import MAX_YEAR, MIN_YEAR, year_text_in_range
from mamori.core.crud import MAX_ID

MAX_SEARCH_LENGTH = 200
MAX_TEXT_FILTER_LENGTH = 200
BOOLEAN_VALUES = {"true": "true", "false": "false"}
_ID = re.compile(r"^[0-9]{1,19}$")


def refuse(parameter: str, message: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({parameter: [message]})


def check_id(parameter: str, value: str) -> None:
    if not _ID.match(value) or not 1 <= int(value) <= MAX_ID:
        raise refuse(parameter, _("Give a record id: a whole number from 1 to %(max)d.") % {"max": MAX_ID})


class SearchFilter(filters.SearchFilter):
    """``?search=`` over the view's ``search_fields`` (case-insensitive, all words must match)."""

    def get_search_terms(self, request: Request) -> list[str]:
        value = request.query_params.get(self.search_param, "")
        if self.search_param in request.query_params and not value:
            raise refuse(self.search_param, _("Give a value, or leave the parameter out."))
        if "\x00" in value:
            raise refuse(self.search_param, _("Null characters are not allowed."))
        if len(value) > MAX_SEARCH_LENGTH:
            raise refuse(
                self.search_param,
                _("Search for at most %(count)d characters.") % {"count": MAX_SEARCH_LENGTH},
            )
        return list(super().get_search_terms(request))


class OrderingFilter(filters.OrderingFilter):
    """``?ordering=name`` or ``-name``, comma-separated; a field the endpoint does not offer is a 400."""

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: Any) -> Any:
        params = request.query_params.get(self.ordering_param)
        if params is not None:
            allowed = allowed_orderings(view)
            terms = [term.strip() for term in params.split(",")]
            wrong = [term for term in terms if term not in allowed]
            if wrong:
                raise refuse(
                    self.ordering_param,
                    _("Order by one of: %(allowed)s.") % {"allowed": ", ".join(sorted(allowed))},
                )
        return super().get_ordering(request, queryset, view)


def ordering_fields(view: Any) -> list[str]:
    fields = getattr(view, "ordering_fields", None)
    if fields is None or fields == "__all__":
        return []
    return [str(field) for field in fields]


def allowed_orderings(view: Any) -> set[str]:
    names = ordering_fields(view)
    return {*names, *(f"-{name}" for name in names)}


class IdFilter(django_filters.NumberFilter):
    """A record id: a whole number a database can compare (larger ones are a field error, not a crash)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


def is_id_filter(query_filter: Any) -> bool:
    if isinstance(query_filter, IdFilter | django_filters.ModelChoiceFilter | django_filters.ModelMultipleChoiceFilter):
        return True
    return isinstance(query_filter, django_filters.NumberFilter) and getattr(query_filter, "field_name", "").endswith(
        "_id"
    )


def _check_value(name: str, query_filter: Any, value: str) -> None:
    if value == "":
        raise refuse(name, _("Give a value, or leave the parameter out."))
    if isinstance(query_filter, django_filters.BooleanFilter) and value not in BOOLEAN_VALUES:
        raise refuse(name, _("Give true or false."))
    if is_id_filter(query_filter):
        check_id(name, value)
    elif isinstance(query_filter, django_filters.DateTimeFilter | django_filters.DateFilter):
        if not year_text_in_range(value) or not re.match(r"^[0-9]{4}-", value):
            raise refuse(
                name,
                _("Give a date or date and time between the years %(min)d and %(max)d.")
                % {"min": MIN_YEAR, "max": MAX_YEAR},
            )
    elif isinstance(query_filter, django_filters.CharFilter):
        if "\x00" in value:
            raise refuse(name, _("Null characters are not allowed."))
        if len(value) > MAX_TEXT_FILTER_LENGTH:
            raise refuse(name, _("Give at most %(count)d characters.") % {"count": MAX_TEXT_FILTER_LENGTH})


class FilterBackend(drf_filters.DjangoFilterBackend):
    """django-filter, strict: bad values are refused before filtering, unknown ids give an empty list."""

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: Any) -> QuerySet[Any]:
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        for name, query_filter in filterset.filters.items():
            for value in request.query_params.getlist(name):
                _check_value(name, query_filter, value)
        if not filterset.is_valid():
            if _only_unknown_records(filterset):
                return queryset.none()
            raise translate_validation(filterset.errors)
        return filterset.qs


def _only_unknown_records(filterset: Any) -> bool:
    """An id that is well formed but names no record (a model choice): no rows, rather than an error."""
    errors = filterset.form.errors.as_data()
    for name, problems in errors.items():
        if not is_id_filter(filterset.filters.get(name)):
            return False
        if any(problem.code not in {"invalid_choice", "invalid_pk_value"} for problem in problems):
            return False
    return bool(errors)


BACKENDS = [FilterBackend, OrderingFilter, SearchFilter]


def filter_parameters(view: Any) -> set[str]:
    """The query parameters the view's filter backends read."""
    names: set[str] = set()
    backends = getattr(view, "filter_backends", None) or []
    for backend in backends:
        if issubclass(backend, drf_filters.DjangoFilterBackend):
            filterset_class = backend().get_filterset_class(view, view.get_queryset().none())
            if filterset_class is not None:
                names.update(filterset_class.base_filters)
        elif issubclass(backend, filters.OrderingFilter) and ordering_fields(view):
            names.add(api_settings.ORDERING_PARAM)
        elif issubclass(backend, filters.SearchFilter) and getattr(view, "search_fields", None):
            names.add(api_settings.SEARCH_PARAM)
    return names
