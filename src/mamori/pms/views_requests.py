"""Requests (開示等の請求) and complaints (苦情・相談): list, record, open (audited), check identity, answer, handle."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.core.forms import apply_validation_error
from mamori.pms import services_requests as requests
from mamori.pms.forms import AnswerForm, ComplaintForm, HandlingForm, IdentityForm, RequestForm
from mamori.pms.models import Complaint, ComplaintStatus, SubjectRequest


def _submit(form: forms.BaseForm, action: Callable[[], Any]) -> bool:
    """Run the action for a valid form; put a refusal on the form. True when it went through."""
    if not form.is_valid():
        return False
    try:
        action()
    except ValidationError as error:
        apply_validation_error(form, error)
        return False
    return True


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    policy.check(request.user, Action.VIEW, requests.REQUEST)
    items = policy.scope(request.user, requests.REQUEST, SubjectRequest.objects.all())
    return render(
        request,
        "pms/request_list.html",
        {
            "items": items,
            "today": timezone.localdate(),
            "due_days": requests.due_days(),
            "can_add": policy.can(request.user, Action.ADD, requests.REQUEST),
        },
    )


@login_required
def request_create(request: HttpRequest) -> HttpResponse:
    policy.check(request.user, Action.ADD, requests.REQUEST)
    form = RequestForm(request.POST or None, initial={"received_on": timezone.localdate()})
    created: list[SubjectRequest] = []
    if request.method == "POST" and _submit(
        form, lambda: created.append(requests.record_request(request.user, form.cleaned_data))
    ):
        return redirect("pms:request_detail", pk=created[0].pk)
    return render(
        request,
        "pms/simple_form.html",
        {"form": form, "tab": "requests", "title": _title("request")},
        status=400 if form.errors else 200,
    )


def _title(kind: str) -> str:
    from django.utils.translation import gettext as _

    return _("Record a request") if kind == "request" else _("Record a complaint or inquiry")


def _request_page(
    request: HttpRequest, item: SubjectRequest, status: int = 200, **forms_: forms.BaseForm
) -> HttpResponse:
    context = {
        "object": item,
        "identity_form": forms_.get("identity_form") or IdentityForm(),
        "answer_form": forms_.get("answer_form") or AnswerForm(initial={"answered_on": timezone.localdate()}),
        "can_change": not item.closed and policy.can(request.user, Action.CHANGE, requests.REQUEST, item),
        "overdue": not item.closed and item.due_date < timezone.localdate(),
    }
    return render(request, "pms/request_detail.html", context, status=status)


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = policy.get_visible(request.user, requests.REQUEST, SubjectRequest.objects.all(), pk=pk)
    requests.read_request(request.user, item)
    return _request_page(request, item)


@login_required
@require_POST
def request_identity(request: HttpRequest, pk: int) -> HttpResponse:
    item = policy.get_visible(request.user, requests.REQUEST, SubjectRequest.objects.all(), pk=pk)
    policy.check(request.user, Action.CHANGE, requests.REQUEST, item)
    form = IdentityForm(request.POST)
    if _submit(form, lambda: requests.check_identity(request.user, item, form.cleaned_data["identity_method"])):
        return redirect("pms:request_detail", pk=item.pk)
    return _request_page(request, item, status=400, identity_form=form)


@login_required
@require_POST
def request_answer(request: HttpRequest, pk: int) -> HttpResponse:
    item = policy.get_visible(request.user, requests.REQUEST, SubjectRequest.objects.all(), pk=pk)
    policy.check(request.user, Action.CHANGE, requests.REQUEST, item)
    form = AnswerForm(request.POST)

    def answer() -> None:
        data = form.cleaned_data
        requests.answer_request(request.user, item, data["status"], data["answered_on"], data["answer"])

    if _submit(form, answer):
        return redirect("pms:request_detail", pk=item.pk)
    return _request_page(request, item, status=400, answer_form=form)


@login_required
def complaint_list(request: HttpRequest) -> HttpResponse:
    policy.check(request.user, Action.VIEW, requests.COMPLAINT)
    items = policy.scope(request.user, requests.COMPLAINT, Complaint.objects.all())
    return render(
        request,
        "pms/complaint_list.html",
        {"items": items, "can_add": policy.can(request.user, Action.ADD, requests.COMPLAINT)},
    )


@login_required
def complaint_create(request: HttpRequest) -> HttpResponse:
    policy.check(request.user, Action.ADD, requests.COMPLAINT)
    form = ComplaintForm(request.POST or None, initial={"received_on": timezone.localdate()})
    case_field = form.fields["case"]
    assert isinstance(case_field, forms.ModelChoiceField)
    from mamori.incidents.models import IncidentCase

    case_field.queryset = policy.scope(request.user, "incident_case", IncidentCase.objects.all())
    created: list[Complaint] = []
    if request.method == "POST" and _submit(
        form, lambda: created.append(requests.record_complaint(request.user, form.cleaned_data))
    ):
        return redirect("pms:complaint_detail", pk=created[0].pk)
    return render(
        request,
        "pms/simple_form.html",
        {"form": form, "tab": "complaints", "title": _title("complaint")},
        status=400 if form.errors else 200,
    )


def _complaint_page(request: HttpRequest, item: Complaint, form: HandlingForm, status: int = 200) -> HttpResponse:
    context = {
        "object": item,
        "form": form,
        "can_change": item.status != ComplaintStatus.CLOSED
        and policy.can(request.user, Action.CHANGE, requests.COMPLAINT, item),
        "can_raise": policy.can(request.user, Action.ADD, "risk"),
    }
    return render(request, "pms/complaint_detail.html", context, status=status)


@login_required
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = policy.get_visible(request.user, requests.COMPLAINT, Complaint.objects.all(), pk=pk)
    requests.read_complaint(request.user, item)
    return _complaint_page(
        request, item, HandlingForm(initial={"handling": item.handling, "closed_on": timezone.localdate()})
    )


@login_required
@require_POST
def complaint_handle(request: HttpRequest, pk: int) -> HttpResponse:
    item = policy.get_visible(request.user, requests.COMPLAINT, Complaint.objects.all(), pk=pk)
    policy.check(request.user, Action.CHANGE, requests.COMPLAINT, item)
    form = HandlingForm(request.POST)

    def handle() -> None:
        data = form.cleaned_data
        requests.handle_complaint(request.user, item, data["handling"], data["close"], data["closed_on"])

    if _submit(form, handle):
        return redirect("pms:complaint_detail", pk=item.pk)
    return _complaint_page(request, item, form, status=400)


@login_required
@require_POST
def complaint_raise(request: HttpRequest, pk: int) -> HttpResponse:
    item = policy.get_visible(request.user, requests.COMPLAINT, Complaint.objects.all(), pk=pk)
    found = requests.raise_nonconformity(request.user, item)
    return redirect("risk:nc_detail", pk=found.pk)
