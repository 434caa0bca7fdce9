"""Requirements catalogue and readiness pages: parse, call the action, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.core.forms import apply_validation_error
from mamori.pms import exporting, readiness, services
from mamori.pms.forms import ArchiveForm, ControlFilterForm, ControlForm, EvidenceForm
from mamori.pms.models import Control, ControlEvidence

RESOURCE = services.RESOURCE


def _controls() -> QuerySet[Control]:
    return Control.objects.select_related("owner")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The management system's menu entry: the first part of it this user may open."""
    from mamori.pms.templatetags.pms_ui import TABS

    for _key, url, resource in TABS:
        if policy.can(request.user, Action.VIEW, resource):
            return redirect(url)
    policy.check(request.user, Action.VIEW, RESOURCE)  # nothing to show: the usual 403
    return redirect("pms:list")


@login_required
def control_list(request: HttpRequest) -> HttpResponse:
    policy.check(request.user, Action.VIEW, RESOURCE)
    report = readiness.compute()
    filters = ControlFilterForm(request.GET or None)
    rows = report.rows
    if filters.is_valid():
        if filters.cleaned_data["status"]:
            rows = [r for r in rows if r.control.status == filters.cleaned_data["status"]]
        if filters.cleaned_data["gaps"]:
            rows = [r for r in rows if r.gap]
    return render(
        request,
        "pms/control_list.html",
        {
            "report": report,
            "rows": rows,
            "filters": filters,
            "can_export": policy.can(request.user, Action.EXPORT, RESOURCE),
        },
    )


@login_required
def control_detail(request: HttpRequest, pk: int) -> HttpResponse:
    control = policy.get_visible(request.user, RESOURCE, _controls(), pk=pk)
    row = next((r for r in readiness.compute().rows if r.control.pk == control.pk), readiness.Row(control, []))
    return _detail(request, control, row, EvidenceForm())


def _detail(
    request: HttpRequest, control: Control, row: readiness.Row, form: EvidenceForm, status: int = 200
) -> HttpResponse:
    evidence = list(control.evidence.select_related("added_by"))
    return render(
        request,
        "pms/control_detail.html",
        {
            "object": control,
            "row": row,
            "evidence": [e for e in evidence if e.archived_at is None],
            "archived": [e for e in evidence if e.archived_at is not None],
            "form": form,
            "can_change": policy.can(request.user, Action.CHANGE, RESOURCE, control),
        },
        status=status,
    )


@login_required
def control_edit(request: HttpRequest, pk: int) -> HttpResponse:
    control = policy.get_visible(request.user, RESOURCE, _controls(), pk=pk)
    policy.check(request.user, Action.CHANGE, RESOURCE, control)
    # The form edits a copy so that a rejected submission never touches the record the service sees.
    form = ControlForm(request.POST or None, instance=_controls().get(pk=pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_control(request.user, control, {f: form.cleaned_data[f] for f in services.EDITABLE})
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("pms:detail", pk=control.pk)
    return render(
        request, "pms/control_form.html", {"form": form, "object": control}, status=400 if form.errors else 200
    )


@login_required
@require_POST
def evidence_add(request: HttpRequest, pk: int) -> HttpResponse:
    control = policy.get_visible(request.user, RESOURCE, _controls(), pk=pk)
    policy.check(request.user, Action.CHANGE, RESOURCE, control)
    form = EvidenceForm(request.POST)
    if form.is_valid():
        try:
            services.add_evidence(request.user, control, form.cleaned_data["label"], form.cleaned_data["reference"])
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("pms:detail", pk=control.pk)
    row = readiness.Row(control, [])
    return _detail(request, control, row, form, status=400)


@login_required
def evidence_archive(request: HttpRequest, pk: int) -> HttpResponse:
    controls = policy.scope(request.user, RESOURCE, _controls())
    evidence = policy.get_visible(
        request.user, RESOURCE, ControlEvidence.objects.filter(control__in=controls).select_related("control"), pk=pk
    )
    policy.check(request.user, Action.CHANGE, RESOURCE, evidence.control)
    form = ArchiveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.archive_evidence(request.user, evidence, form.cleaned_data["reason"])
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("pms:detail", pk=evidence.control_id)
    return render(
        request, "pms/evidence_archive.html", {"form": form, "object": evidence}, status=400 if form.errors else 200
    )


@login_required
def readiness_page(request: HttpRequest) -> HttpResponse:
    policy.check(request.user, Action.VIEW, RESOURCE)
    return render(
        request,
        "pms/readiness.html",
        {"report": readiness.compute(), "can_export": policy.can(request.user, Action.EXPORT, RESOURCE)},
    )


def _download(content: bytes, content_type: str, suffix: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="privacy-mark-readiness-{stamp}.{suffix}"'
    return response


@login_required
def readiness_xlsx(request: HttpRequest) -> HttpResponse:
    policy.check(request.user, Action.EXPORT, RESOURCE)
    content, count = exporting.xlsx()
    services.record_export(request.user, "XLSX", count)
    return _download(content, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")


@login_required
def readiness_pdf(request: HttpRequest) -> HttpResponse:
    policy.check(request.user, Action.EXPORT, RESOURCE)
    content, count = exporting.pdf()
    services.record_export(request.user, "PDF", count)
    return _download(content, "application/pdf", "pdf")
