"""Contractor pages (委託先): the register with its warnings, selection evaluations, contracts and their
checklists, sub-contractors, periodic reviews and the joint incident manual. Views parse, call one service of
``contractors.services`` or ``contractors.manual`` and render; the policy decides access."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.contractors import checklist, manual, services
from mamori.contractors.forms import (
    ArchiveForm,
    ContractForm,
    ContractorForm,
    CriterionForm,
    EvaluationForm,
    ReviewCompleteForm,
    ReviewScheduleForm,
    SubContractorForm,
)
from mamori.contractors.models import (
    Contract,
    Contractor,
    ContractorReview,
    ManualVersion,
    SelectionCriterion,
    SelectionEvaluation,
    SubContractor,
)
from mamori.core.crud import RecordViews
from mamori.core.forms import apply_validation_error
from mamori.incidents.reports import FontMissing

T = "contractors/"
SUP = services.SUPERVISION

contractor_views = RecordViews(
    resource=services.RESOURCE,
    queryset=Contractor.objects.all,
    form_class=ContractorForm,
    create=services.create_contractor,
    update=services.update_contractor,
    delete=services.delete_contractor,
    template_prefix="contractors/contractor",
    url_prefix="contractors:",
)


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _contractor(request: HttpRequest, pk: int) -> Contractor:
    return policy.get_visible(request.user, services.RESOURCE, Contractor.objects.all(), pk=pk)


def _supervised(request: HttpRequest, model: type[Any], pk: int, action: Action = Action.VIEW) -> Any:
    """A supervision record: 403 for roles that may not read them, 404 for one that does not exist."""
    policy.check(request.user, action, SUP)
    queryset = model.objects.all()
    if any(f.name == "contractor" for f in model._meta.fields):
        queryset = queryset.select_related("contractor")
    return policy.get_visible(request.user, SUP, queryset, pk=pk)


def _can(request: HttpRequest, action: Action, resource: str = SUP) -> bool:
    return policy.can(request.user, action, resource)


# --- the register ------------------------------------------------------------------------------------------


@login_required
def list_view(request: HttpRequest) -> HttpResponse:
    policy.check(request.user, Action.VIEW, services.RESOURCE)
    objects = policy.scope(request.user, services.RESOURCE, Contractor.objects.all())
    by_contractor: dict[int, list[services.Warning]] = {}
    for warning in services.warnings(request.user):
        by_contractor.setdefault(warning.contractor_id, []).append(warning)
    rows = [(c, by_contractor.get(c.pk, [])) for c in objects]
    context = {"rows": rows, "objects": objects, "can_add": policy.can(request.user, Action.ADD, services.RESOURCE)}
    return render(request, T + "contractor_list.html", context)


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    contractor = _contractor(request, pk)
    user = request.user
    context: dict[str, Any] = {
        "object": contractor,
        "can_change": policy.can(user, Action.CHANGE, services.RESOURCE, contractor),
        "can_delete": policy.can(user, Action.DELETE, services.RESOURCE, contractor),
        "entries": policy.scope(user, "ledger_entry", services.handled_entries(contractor)),
        "sources": policy.scope(user, "data_source", contractor.data_sources.all()),
        "sensitive": services.sensitive_data(contractor),
        "can_supervise": _can(request, Action.VIEW),
        "can_manage": _can(request, Action.ADD),
        "can_approve": _can(request, Action.APPROVE),
        "can_see_manual": policy.can(user, Action.VIEW, services.MANUAL),
        "can_generate": policy.can(user, Action.ADD, services.MANUAL),
    }
    if context["can_supervise"]:
        today = timezone.localdate()
        contract = services.current_contract(contractor, today)
        context.update(
            warnings=services.contractor_warnings(contractor, today),
            evaluations=contractor.evaluations.select_related("evaluator", "approved_by"),
            contracts=contractor.contracts.all(),
            current_contract=contract,
            checklist_rows=_checklist_rows(contract),
            subcontractors=contractor.subcontractors.select_related("approved_by"),
            reviews=contractor.reviews.select_related("reviewer"),
            today=today,
        )
    if context["can_see_manual"]:
        versions = manual.versions(user, contractor).select_related("generated_by")
        context.update(
            versions=[(v, list(v.acknowledgements.select_related("acknowledged_by"))) for v in versions],
            acknowledgement_due=manual.acknowledgement_due(contractor),
        )
    return render(request, T + "contractor_detail.html", context)


def _checklist_rows(contract: Contract | None) -> list[tuple[str, Any, bool, str, bool]]:
    """(key, label, present, clause, is an incident clause) per checklist item."""
    rows = []
    for key, (_ja, label) in checklist.ALL_ITEMS.items():
        present, clause = contract.item(key) if contract else (False, "")
        rows.append((key, label, present, clause, key in checklist.INCIDENT_CLAUSES))
    return rows


# --- selection evaluation ------------------------------------------------------------------------------------


@login_required
def evaluation_new(request: HttpRequest, pk: int) -> HttpResponse:
    contractor = _contractor(request, pk)
    policy.check(request.user, Action.ADD, SUP)
    criteria = list(services.active_criteria())
    form = EvaluationForm(_posted(request), criteria=criteria, initial={"evaluated_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in ("evaluated_on", "pass_percent", "notes")}
        try:
            evaluation = services.create_evaluation(request.user, contractor, data, form.scores())
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("contractors:evaluation", pk=evaluation.pk)
    status = 400 if form.errors else 200
    return render(request, T + "evaluation_form.html", {"form": form, "contractor": contractor}, status=status)


@login_required
def evaluation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = _supervised(request, SelectionEvaluation, pk)
    context = {
        "evaluation": evaluation,
        "scores": evaluation.scores.select_related("criterion"),
        "can_approve": _can(request, Action.APPROVE)
        and evaluation.approved_at is None
        and evaluation.archived_at is None,
        "can_archive": _can(request, Action.CHANGE) and evaluation.archived_at is None,
        "archive_form": ArchiveForm(),
    }
    return render(request, T + "evaluation_detail.html", context)


@login_required
@require_POST
def evaluation_approve(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = _supervised(request, SelectionEvaluation, pk)
    try:
        services.approve_evaluation(request.user, evaluation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The evaluation is approved."))
    return redirect("contractors:evaluation", pk=evaluation.pk)


@login_required
def criteria_list(request: HttpRequest) -> HttpResponse:
    policy.check(request.user, Action.VIEW, SUP)
    context = {"criteria": SelectionCriterion.objects.all(), "can_manage": _can(request, Action.ADD)}
    return render(request, T + "criteria_list.html", context)


@login_required
def criterion_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Add a criterion (pk None) or change one; taking it out of use is unticking "in use"."""
    policy.check(request.user, Action.ADD if pk is None else Action.CHANGE, SUP)
    criterion = _supervised(request, SelectionCriterion, pk) if pk is not None else None
    form = CriterionForm(_posted(request), instance=SelectionCriterion.objects.get(pk=pk) if pk else None)
    if request.method == "POST" and form.is_valid():
        try:
            if criterion is None:
                services.create_criterion(request.user, form.cleaned_data)
            else:
                services.update_criterion(request.user, criterion, form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("contractors:criteria")
    title = _("Add selection criterion") if criterion is None else _("Edit selection criterion")
    context = {"form": form, "title": title}
    return render(request, T + "criterion_form.html", context, status=400 if form.errors else 200)


# --- contracts -----------------------------------------------------------------------------------------------


def _contract_form_page(request: HttpRequest, contractor: Contractor, contract: Contract | None) -> HttpResponse:
    form = ContractForm(_posted(request), instance=Contract.objects.get(pk=contract.pk) if contract else None)
    if request.method == "POST" and form.is_valid():
        try:
            if contract is None:
                contract = services.create_contract(request.user, contractor, form.values())
            else:
                services.update_contract(request.user, contract, form.values())
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("contractors:contract", pk=contract.pk)
    context = {"form": form, "contractor": contractor, "contract": contract}
    return render(request, T + "contract_form.html", context, status=400 if form.errors else 200)


@login_required
def contract_new(request: HttpRequest, pk: int) -> HttpResponse:
    contractor = _contractor(request, pk)
    policy.check(request.user, Action.ADD, SUP)
    return _contract_form_page(request, contractor, None)


@login_required
def contract_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _supervised(request, Contract, pk, Action.CHANGE)
    if contract.archived_at is not None:
        messages.error(request, _("This record is archived and can no longer be changed."))
        return redirect("contractors:contract", pk=contract.pk)
    return _contract_form_page(request, contract.contractor, contract)


@login_required
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _supervised(request, Contract, pk)
    context = {
        "contract": contract,
        "checklist_rows": _checklist_rows(contract),
        "can_change": _can(request, Action.CHANGE) and contract.archived_at is None,
        "archive_form": ArchiveForm(),
    }
    return render(request, T + "contract_detail.html", context)


# --- sub-contractors and reviews ---------------------------------------------------------------------------------


@login_required
def subcontractor_new(request: HttpRequest, pk: int) -> HttpResponse:
    contractor = _contractor(request, pk)
    policy.check(request.user, Action.ADD, SUP)
    form = SubContractorForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.add_subcontractor(request.user, contractor, form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect(_anchor(contractor, "subcontractors"))
    context = {"form": form, "contractor": contractor, "title": _("Add sub-contractor")}
    return render(request, T + "simple_form.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def subcontractor_approve(request: HttpRequest, pk: int) -> HttpResponse:
    sub = _supervised(request, SubContractor, pk)
    _message(request, lambda: services.approve_subcontractor(request.user, sub), _("The sub-contractor is approved."))
    return redirect(_anchor(sub.contractor, "subcontractors"))


@login_required
def review_new(request: HttpRequest, pk: int) -> HttpResponse:
    contractor = _contractor(request, pk)
    policy.check(request.user, Action.ADD, SUP)
    form = ReviewScheduleForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        services.schedule_review(request.user, contractor, form.cleaned_data["due_on"])
        return redirect(_anchor(contractor, "reviews"))
    context = {"form": form, "contractor": contractor, "title": _("Schedule a periodic review")}
    return render(request, T + "simple_form.html", context, status=400 if form.errors else 200)


@login_required
def review_complete(request: HttpRequest, pk: int) -> HttpResponse:
    review = _supervised(request, ContractorReview, pk, Action.CHANGE)
    form = ReviewCompleteForm(_posted(request), initial={"done_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.complete_review(request.user, review, form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect(_anchor(review.contractor, "reviews"))
    context = {
        "form": form,
        "contractor": review.contractor,
        "title": _("Record the review due on %(date)s") % {"date": review.due_on.isoformat()},
    }
    return render(request, T + "simple_form.html", context, status=400 if form.errors else 200)


ARCHIVABLE = {
    "evaluation": SelectionEvaluation,
    "contract": Contract,
    "subcontractor": SubContractor,
    "review": ContractorReview,
}


@login_required
@require_POST
def archive(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    if kind not in ARCHIVABLE:
        raise Http404(_("There is no such record."))
    obj = _supervised(request, ARCHIVABLE[kind], pk, Action.CHANGE)
    form = ArchiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why this record is archived."))
    else:
        _message(request, lambda: services.archive(request.user, obj, form.cleaned_data["reason"]), _("Archived."))
    return redirect(_anchor(obj.contractor, kind + "s"))


def _anchor(contractor: Contractor, section: str) -> str:
    from django.urls import reverse

    return reverse("contractors:detail", args=[contractor.pk]) + "#" + section


def _message(request: HttpRequest, do: Any, success: str) -> None:
    try:
        do()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)


# --- the joint incident manual -------------------------------------------------------------------------------------


@login_required
@require_POST
def manual_generate(request: HttpRequest, pk: int) -> HttpResponse:
    contractor = _contractor(request, pk)
    policy.check(request.user, Action.ADD, services.MANUAL)
    try:
        version = manual.generate(request.user, contractor)
    except FontMissing as error:
        messages.error(request, _("The PDF cannot be made on this server: %(reason)s") % {"reason": error})
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("Version %(version)d of the incident manual was made.") % {"version": version.version}
        )
    return redirect(_anchor(contractor, "manual"))


@login_required
@require_GET
def manual_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    version = policy.get_visible(request.user, services.MANUAL, ManualVersion.objects.defer("docx", "pdf"), pk=pk)
    if fmt not in manual.FORMATS:
        raise Http404(_("There is no such file."))
    name, content = manual.download(request.user, version, fmt)
    response = HttpResponse(content, content_type=manual.FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


# --- the contractor's portal page --------------------------------------------------------------------------------


def _own_versions(request: HttpRequest) -> Any:
    """The manual versions of the signed-in contractor user's own contractor; nobody else has this page (404)."""
    user: Any = request.user
    if not policy.is_contractor_user(user) or user.contractor_id is None:
        raise Http404(_("This page is for contractor users."))
    policy.check(user, Action.VIEW, services.MANUAL)
    queryset = ManualVersion.objects.filter(contractor_id=user.contractor_id).defer("docx", "pdf")
    return policy.scope(user, services.MANUAL, queryset)


@login_required
def portal_manual(request: HttpRequest) -> HttpResponse:
    versions = _own_versions(request)
    current = versions.order_by("-version").first()
    user: Any = request.user
    contractor = user.contractor
    context = {
        "contractor": contractor,
        "current": current,
        "older": versions.exclude(pk=current.pk) if current else [],
        "acknowledgements": list(current.acknowledgements.select_related("acknowledged_by")) if current else [],
        "due": manual.acknowledgement_due(contractor),
        "today": timezone.localdate(),
    }
    return render(request, T + "portal_manual.html", context)


@login_required
@require_POST
def portal_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        version = _own_versions(request).get(pk=pk)
    except ManualVersion.DoesNotExist:
        raise Http404(_("There is no such manual.")) from None
    _message(
        request,
        lambda: manual.acknowledge(request.user, version),
        _("Thank you: your confirmation of version %(version)d is recorded.") % {"version": version.version},
    )
    return redirect("contractors:portal-manual")
