"""Thin views shared by simple record types: parse the form, call the service, render.

Each domain passes its resource name, queryset, form and service functions; permission checks happen
in the policy calls here and again inside the services. ``query_id`` and ``query_text`` read list filters
from a query string within what a database can compare, so a hostile value is no match, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Model, ProtectedError, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.core.forms import apply_validation_error

MAX_ID = 2**63 - 1  # the largest value a database id column (64-bit signed) holds; PostgreSQL refuses more


def query_id(value: str | None) -> int | None:
    """A record id from a query string, or None for anything a database id cannot be (text, 0, sign, overflow)."""
    value = (value or "").strip()
    if not value.isascii() or not value.isdigit() or len(value) > len(str(MAX_ID)):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


def query_text(value: str | None, max_length: int = 200) -> str | None:
    """A text filter, or None when a database cannot compare it (a NUL character; PostgreSQL refuses it)."""
    value = (value or "").strip()
    if "\x00" in value:
        return None
    return value[:max_length]


@dataclass(frozen=True)
class RecordViews:
    resource: str
    queryset: Callable[[], QuerySet[Any]]
    form_class: type[forms.ModelForm]
    create: Callable[[Any, dict[str, Any]], Model]
    update: Callable[[Any, Any, dict[str, Any]], Model]
    delete: Callable[[Any, Any], None]
    template_prefix: str  # e.g. "contractors/contractor"
    url_prefix: str  # e.g. "contractors:"

    def _form(self, request: HttpRequest, instance: Model | None) -> forms.ModelForm:
        """The form, with choices limited to what the user may see (forms define ``limit_to(user)``)."""
        form = self.form_class(request.POST or None, instance=instance)
        limit = getattr(form, "limit_to", None)
        if limit is not None:
            limit(request.user)
        return form

    def _can(self, request: HttpRequest, action: Action, obj: Model | None = None) -> bool:
        return policy.can(request.user, action, self.resource, obj)

    def list_view(self, request: HttpRequest) -> HttpResponse:
        policy.check(request.user, Action.VIEW, self.resource)
        objects = policy.scope(request.user, self.resource, self.queryset())
        return render(
            request,
            f"{self.template_prefix}_list.html",
            {"objects": objects, "can_add": self._can(request, Action.ADD)},
        )

    def detail(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = policy.get_visible(request.user, self.resource, self.queryset(), pk=pk)
        context = {
            "object": obj,
            "can_change": self._can(request, Action.CHANGE, obj),
            "can_delete": self._can(request, Action.DELETE, obj),
        }
        return render(request, f"{self.template_prefix}_detail.html", context)

    def create_view(self, request: HttpRequest) -> HttpResponse:
        policy.check(request.user, Action.ADD, self.resource)
        form = self._form(request, None)
        if request.method == "POST" and form.is_valid():
            try:
                obj = self.create(request.user, form.cleaned_data)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                return redirect(f"{self.url_prefix}detail", pk=obj.pk)
        return render(request, f"{self.template_prefix}_form.html", {"form": form}, status=400 if form.errors else 200)

    def edit_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = policy.get_visible(request.user, self.resource, self.queryset(), pk=pk)
        policy.check(request.user, Action.CHANGE, self.resource, obj)
        # The form edits a copy so that a rejected submission never touches the record the service sees.
        form = self._form(request, self.queryset().get(pk=pk))
        if request.method == "POST" and form.is_valid():
            try:
                self.update(request.user, obj, form.cleaned_data)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                return redirect(f"{self.url_prefix}detail", pk=obj.pk)
        return render(
            request,
            f"{self.template_prefix}_form.html",
            {"form": form, "object": obj},
            status=400 if form.errors else 200,
        )

    def delete_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = policy.get_visible(request.user, self.resource, self.queryset(), pk=pk)
        policy.check(request.user, Action.DELETE, self.resource, obj)
        try:
            self.delete(request.user, obj)
        except ProtectedError:
            return render(
                request,
                "core/error.html",
                {
                    "status": 409,
                    "title": _("Cannot delete"),
                    "detail": _("Other records still refer to this one."),
                },
                status=409,
            )
        return redirect(f"{self.url_prefix}list")

    def urlpatterns(self) -> list[Any]:
        from django.urls import path

        return [
            path("", login_required(self.list_view), name="list"),
            path("new/", login_required(self.create_view), name="create"),
            path("<int:pk>/", login_required(self.detail), name="detail"),
            path("<int:pk>/edit/", login_required(self.edit_view), name="edit"),
            path("<int:pk>/delete/", login_required(require_POST(self.delete_view)), name="delete"),
        ]
