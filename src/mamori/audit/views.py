"""Audit-trail pages: the global list with filters, one record's trail, and the CSV export (itself audited)."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone, translation

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.audit import queries
from mamori.audit.forms import AuditFilterForm
from mamori.audit.models import AuditEntry
from mamori.core import actions

RESOURCE = "audit_entry"
PAGE_SIZE = 50


def _visible(request: HttpRequest) -> QuerySet[AuditEntry]:
    return policy.scope(request.user, RESOURCE, AuditEntry.objects.all())


def _page(request: HttpRequest, entries: QuerySet[AuditEntry]) -> Page[AuditEntry]:
    return Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@login_required
def entry_list(request: HttpRequest) -> HttpResponse:
    policy.check(request.user, Action.VIEW, RESOURCE)
    form = AuditFilterForm(request.GET or None)
    entries = _visible(request)
    if form.is_bound and not form.is_valid():
        entries = AuditEntry.objects.none()
    else:
        entries = queries.filter_entries(entries, form.cleaned_data if form.is_bound else {})
    context = {
        "form": form,
        "page": _page(request, entries),
        "query": _query_without_page(request),
        "can_export": policy.can(request.user, Action.EXPORT, RESOURCE),
    }
    return render(request, "audit/entry_list.html", context, status=400 if form.errors else 200)


@login_required
def record_trail(request: HttpRequest, object_type: str, object_id: str) -> HttpResponse:
    policy.check(request.user, Action.VIEW, RESOURCE)
    page = _page(request, queries.record_trail(_visible(request), object_type, object_id))
    context = {
        "object_type": object_type,
        "object_id": object_id,
        "page": page,
        "rows": [(entry, queries.field_changes(entry)) for entry in page],
        "query": _query_without_page(request),
    }
    return render(request, "audit/record_trail.html", context)


@login_required
def export_csv(request: HttpRequest) -> HttpResponseBase:
    policy.check(request.user, Action.EXPORT, RESOURCE)
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        context = {"form": form, "page": _page(request, AuditEntry.objects.none()), "can_export": True}
        return render(request, "audit/entry_list.html", context, status=400)
    # Entries up to now: the export's own entry, written next, is not part of the file it describes.
    entries = queries.filter_entries(_visible(request), form.cleaned_data if form.is_bound else {})
    entries = entries.filter(seq__lte=queries.last_seq())
    filters = form.describe()
    description = "audit trail CSV" + (f" ({filters})" if filters else "")
    actions.record_export(request.user, RESOURCE, description, entries.count())
    lines = _csv_lines(entries, translation.get_language())
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-trail-{stamp}.csv"'
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(entries: QuerySet[AuditEntry], language: str) -> Iterator[str]:
    yield "\ufeff"  # Excel opens UTF-8 CSV with Japanese text correctly only with a byte-order mark
    writer = csv.writer(_Echo())
    # The file is written after the view has returned: the label columns in the language of the request.
    with translation.override(language):
        for row in queries.csv_rows(entries):
            yield writer.writerow(row)
