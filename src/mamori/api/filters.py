"""Filter backends and filters: django-filter FilterSets, ordering, and a search that gives field
errors for text a database cannot take (a NUL character, a very long term) instead of failing."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.utils.translation import gettext as _
from rest_framework import exceptions, filters
from rest_framework.request import Request

from mamori.core.crud import MAX_ID

MAX_SEARCH_LENGTH = 200


class SearchFilter(filters.SearchFilter):
    """``?search=`` over the view's ``search_fields`` (case-insensitive, all words must match)."""

    def get_search_terms(self, request: Request) -> list[str]:
        value = request.query_params.get(self.search_param, "")
        if "\x00" in value:
            raise exceptions.ValidationError({self.search_param: [_("Null characters are not allowed.")]})
        if len(value) > MAX_SEARCH_LENGTH:
            raise exceptions.ValidationError(
                {self.search_param: [_("Search for at most %(count)d characters.") % {"count": MAX_SEARCH_LENGTH}]}
            )
        return list(super().get_search_terms(request))


class IdFilter(django_filters.NumberFilter):
    """A record id: a whole number a database can compare (larger ones are a field error, not a crash)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)
