"""Pages of the contractor portal (委託先ポータル) and the portal actions on the case page.

Views parse input, call one service of ``incidents.portal`` or ``incidents.export`` and render; the policy
decides access (404 for records the user may not know of, 403 for actions its role may not take).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.core.forms import apply_validation_error
from mamori.incidents import export, portal
from mamori.incidents.forms_portal import (
    EvidenceUploadForm,
    ExportForm,
    InviteForm,
    PreservationNoticeForm,
    ReportForm,
    TaskUpdateForm,
)
from mamori.incidents.models import CaseAccess, IncidentCase, PreservationNotice

T = "incidents/portal/"


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _case(request: HttpRequest, pk: int) -> IncidentCase:
    return policy.get_visible(request.user, portal.CASE, IncidentCase.objects.select_related("contractor"), pk=pk)


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- the portal itself (contractor users and investigators) ------------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The outsider's start page: their cases, notices to acknowledge, their tasks, the report button."""
    user = request.user
    if not policy.is_outsider(user):
        return redirect("incidents:list")  # the client's own people work on the case pages
    cases = portal.visible_cases(user)
    notices = portal.visible_notices(user).order_by("acknowledged_at", "-sent_at")
    context = {
        "cases": cases,
        "notices": notices,
        "pending": [n for n in notices if n.acknowledged_at is None],
        "tasks": portal.my_tasks(user) if policy.can(user, Action.VIEW, portal.TASK) else None,
        "can_report": policy.is_contractor_user(user),
    }
    return render(request, T + "home.html", context)


@login_required
def report(request: HttpRequest) -> HttpResponse:
    portal.check_may_report(request.user)
    form = ReportForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            case = portal.report_incident(request.user, form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Your report was sent to the client. Its deadlines start now."))
            return redirect("incidents:portal-case", pk=case.pk)
    return render(request, T + "report.html", {"form": form}, status=400 if form.errors else 200)


def _evidence_list(user: Any, case: IncidentCase) -> list[Any] | None:
    """The evidence of the case the user may see, or None when there is no locker (yet)."""
    from django.apps import apps

    try:
        model = apps.get_model("evidence", "Evidence")
    except LookupError:
        return None
    if not policy.can(user, Action.VIEW, "evidence"):
        return []
    items = policy.scope(user, "evidence", model._default_manager.filter(case=case))
    return list(portal.narrow_evidence(user, items))


def _case_context(
    request: HttpRequest, case: IncidentCase, upload_form: EvidenceUploadForm | None = None
) -> dict[str, Any]:
    user = request.user
    can_upload = policy.can(user, Action.ADD, "evidence") and policy.is_contractor_user(user)
    timeline = policy.scope(user, "case_timeline", case.timeline.select_related("recorded_by"))
    return {
        "case": case,
        "timeline": timeline,
        "tasks": portal.my_tasks(user).filter(case=case) if policy.can(user, Action.VIEW, portal.TASK) else None,
        "notices": portal.visible_notices(user).filter(case=case),
        "evidence": _evidence_list(user, case),
        "can_upload": can_upload,
        "upload_form": upload_form or (EvidenceUploadForm() if can_upload else None),
        "can_acknowledge": policy.can(user, Action.CHANGE, portal.NOTICE) and policy.is_contractor_user(user),
    }


@login_required
def case_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One case as an outsider sees it: read-only, with only what is shared with them."""
    case = _case(request, pk)
    if not policy.is_outsider(request.user):
        return redirect("incidents:detail", pk=case.pk)
    return render(request, T + "case.html", _case_context(request, case))


@login_required
@require_POST
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    policy.check(request.user, Action.ADD, "evidence")
    form = EvidenceUploadForm(request.POST, request.FILES)
    if form.is_valid():
        file = form.cleaned_data["file"]
        try:
            portal.upload_evidence(request.user, case, file, file.name, form.cleaned_data["description"])
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The file was added to the case's evidence."))
            return redirect("incidents:portal-case", pk=case.pk)
    return render(request, T + "case.html", _case_context(request, case, form), status=400)


@login_required
@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    notice = policy.get_visible(request.user, portal.NOTICE, PreservationNotice.objects.all(), pk=pk)
    try:
        portal.acknowledge_notice(request.user, notice)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Thank you. The client has been told that you keep everything."))
    return redirect("incidents:portal-case", pk=notice.case_id)


@login_required
def tasks(request: HttpRequest) -> HttpResponse:
    return render(request, T + "tasks.html", {"tasks": portal.my_tasks(request.user)})


@login_required
def task_view(request: HttpRequest, pk: int) -> HttpResponse:
    task = policy.get_visible(request.user, portal.TASK, portal.my_tasks(request.user), pk=pk)
    form = TaskUpdateForm(_posted(request), initial={"status": task.status})
    if request.method == "POST":
        policy.check(request.user, Action.CHANGE, portal.TASK, task)
        if form.is_valid():
            try:
                portal.update_my_task(request.user, task, form.cleaned_data["status"], form.cleaned_data["note"])
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, _("The task was updated."))
                return redirect("incidents:portal-tasks")
    context = {"task": task, "form": form, "can_change": policy.can(request.user, Action.CHANGE, portal.TASK, task)}
    return render(request, T + "task.html", context, status=400 if form.errors else 200)


# --- actions on the case page (the client's managers) -----------------------------------------------


@login_required
def send_notice(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    policy.check(request.user, Action.ADD, portal.NOTICE)
    form = PreservationNoticeForm(_posted(request), initial={"text": portal.default_notice_text(case)})
    if request.method == "POST" and form.is_valid():
        try:
            portal.send_preservation_notice(request.user, case, text=form.cleaned_data["text"])
        except ValidationError as error:
            apply_validation_error(form, error, "text")
        else:
            messages.success(
                request, _("The preservation notice was sent to %(contractor)s.") % {"contractor": case.contractor}
            )
            return redirect("incidents:detail", pk=case.pk)
    context = {"case": case, "form": form}
    return render(request, T + "notice_form.html", context, status=400 if form.errors else 200)


@login_required
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    policy.check(request.user, Action.ADD, portal.ACCESS)
    form = InviteForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            access = portal.invite_investigator(
                request.user, case, form.cleaned_data["user"], form.cleaned_data["until"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("%(user)s may read this case until %(until)s.")
                % {"user": access.user, "until": form.cleaned_data["until"]},
            )
            return redirect("incidents:detail", pk=case.pk)
    return render(request, T + "invite_form.html", {"case": case, "form": form}, status=400 if form.errors else 200)


@login_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    policy.check(request.user, Action.VIEW, portal.ACCESS)
    access = policy.get_visible(request.user, portal.ACCESS, CaseAccess.objects.select_related("case", "user"), pk=pk)
    try:
        portal.revoke_access(request.user, access)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("The access of %(user)s has ended.") % {"user": access.user})
    return redirect("incidents:detail", pk=access.case_id)


@login_required
@require_POST
def export_view(request: HttpRequest, pk: int) -> FileResponse:
    case = _case(request, pk)
    form = ExportForm(request.POST)
    include_files = form.is_valid() and form.cleaned_data["include_files"]
    exported = export.export_case_file(request.user, case, include_files=include_files)
    response = FileResponse(exported.open_and_unlink(), as_attachment=True, filename=exported.filename)
    response["Content-Type"] = "application/zip"
    response["X-Mamori-Manifest-SHA256"] = exported.manifest_sha256
    return response
