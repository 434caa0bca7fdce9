"""Internal audit pages: plans, the checklist, results per requirement, the report, and raising nonconformities."""

from __future__ import annotations

from collections import Counter

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.core.forms import apply_validation_error
from mamori.pms import services_audits as audits
from mamori.pms.forms import AuditPlanForm, AuditReportForm, AuditResultForm
from mamori.pms.models import AuditItem, AuditPlan, AuditPlanStatus, AuditResult

RESOURCE = audits.RESOURCE


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    policy.check(request.user, Action.VIEW, RESOURCE)
    plans = policy.scope(request.user, RESOURCE, AuditPlan.objects.select_related("lead_auditor"))
    return render(
        request,
        "pms/audit_list.html",
        {"plans": plans, "can_add": policy.can(request.user, Action.ADD, RESOURCE)},
    )


@login_required
def plan_create(request: HttpRequest) -> HttpResponse:
    policy.check(request.user, Action.ADD, RESOURCE)
    form = AuditPlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plan = audits.create_plan(request.user, form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("pms:audit_detail", pk=plan.pk)
    return render(request, "pms/audit_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = policy.get_visible(request.user, RESOURCE, AuditPlan.objects.all(), pk=pk)
    policy.check(request.user, Action.CHANGE, RESOURCE, plan)
    form = AuditPlanForm(request.POST or None, instance=AuditPlan.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        try:
            audits.update_plan(request.user, plan, form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("pms:audit_detail", pk=plan.pk)
    return render(request, "pms/audit_form.html", {"form": form, "object": plan}, status=400 if form.errors else 200)


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = policy.get_visible(request.user, RESOURCE, AuditPlan.objects.select_related("lead_auditor"), pk=pk)
    return _plan_page(request, plan, AuditReportForm(initial={"report": plan.report}))


def _plan_page(request: HttpRequest, plan: AuditPlan, form: AuditReportForm, status: int = 200) -> HttpResponse:
    items = list(plan.items.select_related("control", "nonconformity", "checked_by"))
    found = Counter(item.result for item in items)
    counts = [(AuditResult(result).label, found[result]) for result in audits.RESULT_ORDER if found[result]]
    open_plan = plan.status != AuditPlanStatus.REPORTED
    return render(
        request,
        "pms/audit_detail.html",
        {
            "object": plan,
            "items": items,
            "counts": counts,
            "form": form,
            "can_change": open_plan and policy.can(request.user, Action.CHANGE, RESOURCE, plan),
            "can_raise": policy.can(request.user, Action.ADD, "risk"),
        },
        status=status,
    )


@login_required
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = policy.get_visible(request.user, RESOURCE, AuditItem.objects.select_related("plan", "control"), pk=pk)
    policy.check(request.user, Action.CHANGE, RESOURCE, item.plan)
    form = AuditResultForm(request.POST or None, instance=AuditItem.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            audits.record_result(request.user, item, data["result"], data["observed"], data["evidence_ref"])
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("pms:audit_detail", pk=item.plan_id)
    return render(
        request, "pms/audit_item_form.html", {"form": form, "object": item}, status=400 if form.errors else 200
    )


@login_required
@require_POST
def plan_report(request: HttpRequest, pk: int) -> HttpResponse:
    plan = policy.get_visible(request.user, RESOURCE, AuditPlan.objects.select_related("lead_auditor"), pk=pk)
    policy.check(request.user, Action.CHANGE, RESOURCE, plan)
    form = AuditReportForm(request.POST)
    if form.is_valid():
        try:
            audits.report(request.user, plan, form.cleaned_data["report"])
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("pms:audit_detail", pk=plan.pk)
    return _plan_page(request, plan, form, status=400)


@login_required
@require_POST
def item_raise(request: HttpRequest, pk: int) -> HttpResponse:
    item = policy.get_visible(request.user, RESOURCE, AuditItem.objects.select_related("plan", "control"), pk=pk)
    try:
        found = audits.raise_nonconformity(request.user, item)
    except ValidationError as error:
        return render(
            request,
            "core/error.html",
            {"status": 400, "title": error.messages[0], "detail": ""},
            status=400,
        )
    return redirect("risk:nc_detail", pk=found.pk)
