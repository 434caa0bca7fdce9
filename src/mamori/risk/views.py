"""Risk pages: the sheet with its heat map, one risk, acceptance, the matrix, the XLSX export and
nonconformities. Views parse input, call the services and render; the policy decides access."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.core import actions
from mamori.core.crud import RecordViews
from mamori.core.forms import apply_validation_error
from mamori.discovery.forms import ArchiveForm
from mamori.risk import exporting, heatmap, services
from mamori.risk.forms import (
    AcceptForm,
    CloseForm,
    GenerateForm,
    MatrixForm,
    NonconformityForm,
    RiskFilterForm,
    RiskForm,
)
from mamori.risk.models import Nonconformity, NonconformityStatus, Risk, RiskMatrix, Score

RESOURCE = services.RESOURCE


def _posted(request: HttpRequest) -> Any:
    """The submitted data for a POST, even an empty one, so that it is validated rather than ignored."""
    return request.POST if request.method == "POST" else None


@dataclass(frozen=True)
class RiskRow:
    risk: Risk
    inherent: Score | None
    residual: Score | None
    overdue: bool
    needs_treatment: bool


def _risks() -> QuerySet[Risk]:
    return (
        Risk.objects.in_sheet_order()
        .select_related("ledger_entry", "owner", "accepted_by")
        .prefetch_related("existing_measures")
    )


def _rows(risks: QuerySet[Risk], matrix: RiskMatrix) -> list[RiskRow]:
    today = timezone.localdate()
    rows = []
    for risk in risks:
        residual = risk.residual(matrix)
        rows.append(
            RiskRow(risk, risk.inherent(matrix), residual, risk.is_overdue(today), matrix.needs_treatment(residual))
        )
    return rows


def _filter(rows: list[RiskRow], values: dict[str, Any]) -> list[RiskRow]:
    """Bands are derived from the matrix, so they are filtered here rather than in SQL."""
    basis_residual = values.get("basis") != "inherent"
    if values.get("band"):
        rows = [r for r in rows if (s := r.residual if basis_residual else r.inherent) and s.band == values["band"]]
    if values.get("overdue"):
        rows = [r for r in rows if r.overdue]
    return rows


def _queryset_filters(qs: QuerySet[Risk], values: dict[str, Any]) -> QuerySet[Risk]:
    if values.get("stage"):
        qs = qs.filter(stage=values["stage"])
    if values.get("entry"):
        qs = qs.filter(ledger_entry=values["entry"])
    if values.get("owner"):
        qs = qs.filter(owner=values["owner"])
    return qs


def _heatmap_view(rows: list[RiskRow], matrix: RiskMatrix, residual: bool, id_prefix: str) -> dict[str, Any]:
    built = heatmap.build((r.risk for r in rows), matrix, residual=residual)
    # The SVG is built from escaped ElementTree output, never from raw user text.
    return {"heatmap": built, "heatmap_svg": mark_safe(heatmap.render_svg(built, id_prefix))}  # noqa: S308


@login_required
def risk_list(request: HttpRequest) -> HttpResponse:
    policy.check(request.user, Action.VIEW, RESOURCE)
    matrix = RiskMatrix.current()
    filters = RiskFilterForm(request.GET or None, user=request.user)
    values = filters.values() if request.GET else {}
    archived = request.GET.get("archived") == "1"
    risks = _risks().filter(archived_at__isnull=not archived)
    qs = _queryset_filters(policy.scope(request.user, RESOURCE, risks), values)
    rows = _filter(_rows(qs, matrix), values)
    residual = values.get("basis") != "inherent"
    context = {
        "rows": rows,
        "archived": archived,
        "matrix": matrix,
        "filters": filters,
        "residual": residual,
        "can_add": policy.can(request.user, Action.ADD, RESOURCE),
        "can_export": policy.can(request.user, Action.EXPORT, RESOURCE),
        "export_query": request.GET.urlencode(),
        **_heatmap_view(rows, matrix, residual, "risk-heatmap"),
    }
    return render(request, "risk/risk_list.html", context)


def heatmap_context(user: Any) -> dict[str, Any]:
    """Context for the dashboard card (include "risk/heatmap_card.html"); empty for users without access."""
    if not policy.can(user, Action.VIEW, RESOURCE):
        return {"risk_card": None}
    matrix = RiskMatrix.current()
    rows = _rows(policy.scope(user, RESOURCE, _risks().filter(archived_at__isnull=True)), matrix)
    view = _heatmap_view(rows, matrix, True, "dashboard-risk-heatmap")
    return {
        "risk_card": {
            **view,
            "needs_treatment": sum(1 for r in rows if r.needs_treatment and not r.risk.accepted_at),
            "overdue": sum(1 for r in rows if r.overdue),
            "bands": view["heatmap"].band_totals(),
        }
    }


def _form_response(request: HttpRequest, form: Any, obj: Risk | None = None) -> HttpResponse:
    status = 400 if form.errors else 200
    return render(request, "risk/risk_form.html", {"form": form, "object": obj}, status=status)


@login_required
def risk_create(request: HttpRequest) -> HttpResponse:
    policy.check(request.user, Action.ADD, RESOURCE)
    matrix = RiskMatrix.current()
    initial = {"ledger_entry": request.GET.get("entry"), "owner": request.user.pk}
    form = RiskForm(_posted(request), user=request.user, matrix=matrix, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            risk = services.create_risk(request.user, form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("risk:detail", pk=risk.pk)
    return _form_response(request, form)


@login_required
def risk_edit(request: HttpRequest, pk: int) -> HttpResponse:
    risk = policy.get_visible(request.user, RESOURCE, _risks(), pk=pk)
    policy.check(request.user, Action.CHANGE, RESOURCE, risk)
    matrix = RiskMatrix.current()
    # The form edits a copy so that a rejected submission never touches the record the service sees.
    form = RiskForm(_posted(request), user=request.user, matrix=matrix, instance=_risks().get(pk=pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_risk(request.user, risk, form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("risk:detail", pk=risk.pk)
    return _form_response(request, form, risk)


def _detail_context(request: HttpRequest, risk: Risk, accept_form: AcceptForm | None = None) -> dict[str, Any]:
    matrix = RiskMatrix.current()
    can_change = risk.archived_at is None and policy.can(request.user, Action.CHANGE, RESOURCE, risk)
    residual = risk.residual(matrix)
    return {
        **evidence_context(risk),
        "object": risk,
        "matrix": matrix,
        "inherent": risk.inherent(matrix),
        "residual": residual,
        "needs_treatment": matrix.needs_treatment(residual),
        "overdue": risk.is_overdue(),
        "can_change": can_change,
        "can_archive": can_change,
        "can_accept": can_change and policy.can(request.user, Action.ACCEPT, RESOURCE, risk),
        "accept_form": accept_form or AcceptForm(),
    }


@login_required
def risk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    risk = policy.get_visible(request.user, RESOURCE, _risks(), pk=pk)
    return render(request, "risk/risk_detail.html", _detail_context(request, risk))


@login_required
@require_POST
def risk_accept(request: HttpRequest, pk: int) -> HttpResponse:
    risk = policy.get_visible(request.user, RESOURCE, _risks(), pk=pk)
    policy.check(request.user, Action.CHANGE, RESOURCE, risk)
    form = AcceptForm(request.POST)
    if form.is_valid():
        try:
            services.accept_risk(request.user, risk, form.cleaned_data["reason"])
        except ValidationError as error:
            apply_validation_error(form, error, default_field="reason")
        else:
            return redirect("risk:detail", pk=risk.pk)
    risk = _risks().get(pk=pk)  # show the stored record, not the one the refused call touched
    return render(request, "risk/risk_detail.html", _detail_context(request, risk, form), status=400)


@login_required
def risk_archive(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmation page that asks why; the risk leaves the sheet and stays readable (never deleted)."""
    risk = policy.get_visible(request.user, RESOURCE, _risks(), pk=pk)
    return _archive_page(request, risk, services.archive_risk, "risk:detail")


def _archive_page(request: HttpRequest, item: Any, archive: Any, detail: str) -> HttpResponse:
    policy.check(request.user, Action.CHANGE, RESOURCE, item)
    form = ArchiveForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            archive(request.user, item, form.cleaned_data["reason"])
        except ValidationError as error:
            apply_validation_error(form, error, default_field="reason")
        else:
            return redirect(detail, pk=item.pk)
    status = 400 if form.errors else 200
    return render(request, "risk/archive_confirm.html", {"object": item, "form": form, "detail": detail}, status=status)


@login_required
def risk_generate(request: HttpRequest) -> HttpResponse:
    policy.check(request.user, Action.ADD, RESOURCE)
    form = GenerateForm(_posted(request), user=request.user, initial={"ledger_entry": request.GET.get("entry")})
    if request.method == "POST" and form.is_valid():
        entry = form.cleaned_data["ledger_entry"]
        try:
            services.generate_stage_rows(request.user, entry, form.cleaned_data["threats"])
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect(f"{reverse('risk:list')}?entry={entry.pk}")
    status = 400 if form.errors else 200
    return render(request, "risk/generate_form.html", {"form": form}, status=status)


@login_required
def matrix_view(request: HttpRequest) -> HttpResponse:
    policy.check(request.user, Action.CHANGE if request.method == "POST" else Action.VIEW, RESOURCE)
    matrix = RiskMatrix.current()
    form = None
    if policy.can(request.user, Action.CHANGE, RESOURCE):
        form = MatrixForm.for_matrix(matrix, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.update_matrix(request.user, matrix, form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("risk:matrix")
    stored = RiskMatrix.current()  # a refused change leaves the stored matrix as it was
    levels = [
        (level, stored.likelihood_label(level), stored.impact_label(level))
        for level in range(1, max(stored.likelihood_levels, stored.impact_levels) + 1)
    ]
    context = {"matrix": stored, "form": form, "cells": heatmap.build([], stored).rows(), "levels": levels}
    return render(request, "risk/matrix.html", context, status=400 if form is not None and form.errors else 200)


@login_required
def export_xlsx(request: HttpRequest) -> HttpResponse:
    policy.check(request.user, Action.EXPORT, RESOURCE)
    matrix = RiskMatrix.current()
    filters = RiskFilterForm(request.GET or None, user=request.user)
    values = filters.values() if request.GET else {}
    qs = _queryset_filters(policy.scope(request.user, RESOURCE, _risks().filter(archived_at__isnull=True)), values)
    rows = _filter(_rows(qs, matrix), values)
    content, count = exporting.build_workbook((r.risk for r in rows), matrix)
    actions.record_export(request.user, RESOURCE, "risk sheet XLSX", count)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="risk-sheet-{stamp}.xlsx"'
    return response


def evidence_context(item: Risk | Nonconformity) -> dict[str, Any]:
    """Its evidence reference as a link, and the reconciliation records it was made from (each scan that showed
    the gap, and the scan that resolved it)."""
    from mamori.discovery import services as discovery

    return {"evidence_link": discovery.evidence_link(item.evidence_ref), "gap_records": discovery.records_for(item)}


def _no_delete(actor: Any, item: Any) -> None:
    raise PermissionDenied("Nonconformities are archived, never deleted.")


nonconformity_views = RecordViews(
    resource=services.NONCONFORMITY_RESOURCE,
    queryset=lambda: Nonconformity.objects.select_related("owner"),
    form_class=NonconformityForm,
    create=services.save_nonconformity,
    update=services.update_nonconformity,
    delete=_no_delete,
    template_prefix="risk/nonconformity",
    url_prefix="risk:nc_",
)


def _nonconformities() -> QuerySet[Nonconformity]:
    return Nonconformity.objects.select_related("owner", "archived_by")


def nonconformity_list(request: HttpRequest) -> HttpResponse:
    """Nonconformities in use; archived ones only when asked (``?archived=1``)."""
    policy.check(request.user, Action.VIEW, RESOURCE)
    archived = request.GET.get("archived") == "1"
    objects = policy.scope(request.user, RESOURCE, _nonconformities().filter(archived_at__isnull=not archived))
    context = {"objects": objects, "archived": archived, "can_add": policy.can(request.user, Action.ADD, RESOURCE)}
    return render(request, "risk/nonconformity_list.html", context)


def nonconformity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = policy.get_visible(request.user, RESOURCE, _nonconformities(), pk=pk)
    return _nonconformity_page(request, item, CloseForm())


def _nonconformity_page(request: HttpRequest, item: Nonconformity, form: CloseForm, status: int = 200) -> HttpResponse:
    live = item.archived_at is None and item.status != NonconformityStatus.CLOSED
    can_change = live and policy.can(request.user, Action.CHANGE, RESOURCE, item)
    context = {
        "object": item,
        "can_change": can_change,
        "can_archive": item.archived_at is None and policy.can(request.user, Action.CHANGE, RESOURCE, item),
        "can_close": live and policy.can(request.user, Action.ACCEPT, RESOURCE, item),
        "close_form": form,
        "overdue": live and item.due_date is not None and item.due_date < timezone.localdate(),
        **evidence_context(item),
    }
    return render(request, "risk/nonconformity_detail.html", context, status=status)


@require_POST
def nonconformity_close(request: HttpRequest, pk: int) -> HttpResponse:
    item = policy.get_visible(request.user, RESOURCE, _nonconformities(), pk=pk)
    policy.check(request.user, Action.ACCEPT, RESOURCE, item)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.close_nonconformity(request.user, item, form.cleaned_data["effectiveness"])
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("risk:nc_detail", pk=item.pk)
    return _nonconformity_page(request, item, form, status=400)


def nonconformity_archive(request: HttpRequest, pk: int) -> HttpResponse:
    item = policy.get_visible(request.user, RESOURCE, _nonconformities(), pk=pk)
    return _archive_page(request, item, services.archive_nonconformity, "risk:nc_detail")
