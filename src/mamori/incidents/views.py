"""Case pages: the list, opening and editing a case, the case page (stage, timeline, tasks, due dates and the
panels of the other incident features), and the playbook pages. Views parse input, call one service
function and render; the policy decides access (404 for cases a user may not know of, 403 otherwise)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.core.forms import apply_validation_error
from mamori.incidents import deadlines, services
from mamori.incidents.forms import (
    ApplyPlaybookForm,
    ArchiveForm,
    IncidentCaseForm,
    MoveForm,
    PlaybookForm,
    PlaybookStepForm,
    TaskChangeForm,
    TaskForm,
    TimelineForm,
)
from mamori.incidents.models import CaseStatus, CaseTask, IncidentCase, Playbook, PlaybookStep

RESOURCE = services.RESOURCE


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _cases() -> QuerySet[IncidentCase]:
    return IncidentCase.objects.select_related("contractor", "created_by")


def _case(request: HttpRequest, pk: int) -> IncidentCase:
    return policy.get_visible(request.user, RESOURCE, _cases(), pk=pk)


def days_left(due: dt.date, today: dt.date | None = None) -> int:
    return (due - (today or timezone.localdate())).days


# The list


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    """Open cases first (most recently learned of first), then closed ones; archived cases only when asked."""
    policy.check(request.user, Action.VIEW, RESOURCE)
    archived = request.GET.get("archived") == "1"
    cases = _cases().filter(archived_at__isnull=not archived)
    status = request.GET.get("status", "")
    if status in CaseStatus.values:
        cases = cases.filter(status=status)
    elif status == "open":
        cases = cases.exclude(status=CaseStatus.CLOSED)
    closed_last = Case(When(status=CaseStatus.CLOSED, then=Value(1)), default=Value(0), output_field=IntegerField())
    cases = policy.scope(request.user, RESOURCE, cases).order_by(closed_last, "-discovered_at", "-pk")
    context = {
        "objects": cases,
        "can_add": policy.can(request.user, Action.ADD, RESOURCE),
        "can_playbooks": policy.can(request.user, Action.VIEW, services.PLAYBOOK),
        "statuses": CaseStatus.choices,
        "status": status,
        "archived": archived,
    }
    return render(request, "incidents/case_list.html", context)


# Opening and editing


def _case_form(request: HttpRequest, instance: IncidentCase | None) -> IncidentCaseForm:
    # A new case is most often written down as the call comes in: now, in Tokyo time, is the first guess.
    initial = {"discovered_at": timezone.localtime().replace(second=0, microsecond=0)} if instance is None else None
    form = IncidentCaseForm(_posted(request), instance=instance, initial=initial)
    form.limit_to(request.user)
    return form


@login_required
def case_create(request: HttpRequest) -> HttpResponse:
    policy.check(request.user, Action.ADD, RESOURCE)
    form = _case_form(request, None)
    if form.is_valid():
        try:
            case = services.create_case(request.user, form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("incidents:detail", pk=case.pk)
    return render(request, "incidents/case_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    policy.check(request.user, Action.CHANGE, RESOURCE, case)
    # The form edits a copy so that a rejected submission never touches the record the service sees.
    form = _case_form(request, _cases().get(pk=pk))
    if form.is_valid():
        try:
            services.update_case(request.user, case, form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("incidents:detail", pk=case.pk)
    context = {"form": form, "object": case}
    return render(request, "incidents/case_form.html", context, status=400 if form.errors else 200)


# The case page


@dataclass(frozen=True)
class TaskRow:
    task: CaseTask
    days_left: int | None
    form: TaskChangeForm | None

    @property
    def is_open(self) -> bool:
        return self.task.status in services.OPEN_TASK_STATUSES


@dataclass(frozen=True)
class DueRow:
    deadline: deadlines.Deadline
    days_left: int


def visible_deadlines(user: Any, case: IncidentCase) -> list[DueRow]:
    """The case's due dates that are not done, most urgent first; contractor users see only their own."""
    today = timezone.localdate()
    found = [d for d in deadlines.for_case(case) if not d.done]
    if policy.is_contractor_user(user):
        found = [d for d in found if user.pk in d.recipients]
    return [DueRow(d, days_left(d.due, today)) for d in found]


def _task_rows(request: HttpRequest, case: IncidentCase, can_change: bool) -> list[TaskRow]:
    today = timezone.localdate()
    rows = []
    for task in services.tasks_for(request.user, case).order_by("order", "pk"):
        form = None
        if can_change:
            form = TaskChangeForm(initial={"status": task.status, "owner": task.owner_id, "due_date": task.due_date})
            form.limit_to(request.user, case)
            form.auto_id = f"task-{task.pk}-%s"
        left = days_left(task.due_date, today) if task.due_date else None
        rows.append(TaskRow(task, left, form))
    return rows


def _detail(request: HttpRequest, case: IncidentCase, status: int = 200, **forms_: forms.BaseForm) -> HttpResponse:
    user = request.user
    editable = case.archived_at is None
    can_change = editable and policy.can(user, Action.CHANGE, RESOURCE, case)
    can_task = editable and policy.can(user, Action.CHANGE, services.TASK)
    add_task = editable and policy.can(user, Action.ADD, services.TASK)
    task_form = forms_.get("task_form") or TaskForm(auto_id="new-task-%s")
    if add_task and isinstance(task_form, TaskForm):
        task_form.limit_to(user, case)
    learned = timezone.localdate(case.discovered_at)
    context = {
        "object": case,
        "case": case,
        "can_change": can_change,
        "can_archive": can_change and not case.legal_hold,
        "can_add_timeline": editable and policy.can(user, Action.ADD, services.TIMELINE),
        "can_add_task": add_task,
        "can_apply_playbook": add_task and policy.can(user, Action.VIEW, services.PLAYBOOK),
        "days_since": (timezone.localdate() - learned).days,
        "status_changes": case.status_changes.select_related("changed_by"),
        "timeline": services.timeline(user, case),
        "tasks": _task_rows(request, case, can_task),
        "due": visible_deadlines(user, case),
        "move_form": forms_.get("move_form") or MoveForm(initial={"status": _next_stage(case.status)}),
        "archive_form": forms_.get("archive_form") or ArchiveForm(),
        "timeline_form": forms_.get("timeline_form") or TimelineForm(auto_id="timeline-%s"),
        "task_form": task_form,
        "playbook_form": forms_.get("playbook_form") or ApplyPlaybookForm(),
        "ledger_entries": policy.scope(user, "ledger_entry", case.ledger_entries.all()),
        "data_sources": policy.scope(user, "data_source", case.data_sources.all()),
        "errors": forms_.get("errors"),
    }
    return render(request, "incidents/case_detail.html", context, status=status)


def _next_stage(status: str) -> str:
    order = list(CaseStatus.values)
    index = order.index(status) if status in order else 0
    return order[min(index + 1, len(order) - 1)]


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _case(request, pk))


def _posted_change(
    request: HttpRequest, case: IncidentCase, form: forms.BaseForm, name: str, change: Any
) -> HttpResponse:
    """Validate a form of the case page, call the service; on a refusal show the page with the message."""
    if form.is_valid():
        try:
            change(form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("incidents:detail", pk=case.pk)
    return _detail(request, case, 400, **{name: form})


@login_required
@require_POST
def case_move(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    policy.check(request.user, Action.CHANGE, RESOURCE, case)
    form = MoveForm(request.POST)
    return _posted_change(
        request,
        case,
        form,
        "move_form",
        lambda data: services.move_case(
            request.user, case, data["status"], data["reason"], close_with_open_tasks=data["close_with_open_tasks"]
        ),
    )


@login_required
@require_POST
def case_archive(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    policy.check(request.user, Action.CHANGE, RESOURCE, case)
    form = ArchiveForm(request.POST)
    return _posted_change(
        request, case, form, "archive_form", lambda data: services.archive_case(request.user, case, data["reason"])
    )


@login_required
@require_POST
def timeline_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    policy.check(request.user, Action.ADD, services.TIMELINE)
    form = TimelineForm(request.POST, auto_id="timeline-%s")
    return _posted_change(
        request,
        case,
        form,
        "timeline_form",
        lambda data: services.add_timeline_event(request.user, case, data),
    )


@login_required
@require_POST
def task_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    policy.check(request.user, Action.ADD, services.TASK)
    form = TaskForm(request.POST, auto_id="new-task-%s")
    form.limit_to(request.user, case)
    return _posted_change(request, case, form, "task_form", lambda data: services.add_task(request.user, case, data))


@login_required
@require_POST
def task_change(request: HttpRequest, pk: int) -> HttpResponse:
    """One form per task row: whichever of status, owner and due date differ from the task are changed."""
    task = services.visible_task(request.user, pk)
    case = task.case
    policy.check(request.user, Action.CHANGE, services.TASK, task)
    form = TaskChangeForm(request.POST)
    form.limit_to(request.user, case)

    def change(data: dict[str, Any]) -> None:
        if "owner" in request.POST and data["owner"] != task.owner:
            services.assign_task(request.user, task, data["owner"])
        if "due_date" in request.POST and data["due_date"] != task.due_date:
            services.set_task_due(request.user, task, data["due_date"])
        if data["status"] and data["status"] != task.status:
            services.set_task_status(request.user, task, data["status"], data["reason"])

    return _posted_change(request, case, form, "errors", change)


@login_required
@require_POST
def playbook_apply(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    policy.check(request.user, Action.ADD, services.TASK)
    form = ApplyPlaybookForm(request.POST)
    return _posted_change(
        request,
        case,
        form,
        "playbook_form",
        lambda data: services.apply_playbook(request.user, case, data["playbook"]),
    )


# Playbooks


@login_required
def playbook_list(request: HttpRequest) -> HttpResponse:
    policy.check(request.user, Action.VIEW, services.PLAYBOOK)
    playbooks = Playbook.objects.all()
    context = {"objects": playbooks, "can_add": policy.can(request.user, Action.ADD, services.PLAYBOOK)}
    return render(request, "incidents/playbook_list.html", context)


@login_required
def playbook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    playbook = policy.get_visible(request.user, services.PLAYBOOK, Playbook.objects.all(), pk=pk)
    context = {
        "object": playbook,
        "steps": playbook.steps.order_by("order", "pk"),
        "can_change": policy.can(request.user, Action.CHANGE, services.PLAYBOOK),
        "can_delete": policy.can(request.user, Action.DELETE, services.PLAYBOOK),
    }
    return render(request, "incidents/playbook_detail.html", context)


def _record_form(
    request: HttpRequest, form: forms.ModelForm, save: Any, done: Any, context: dict[str, Any]
) -> HttpResponse:
    if form.is_valid():
        try:
            saved = save(form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect(done(saved))
    template = "incidents/playbook_form.html"
    return render(request, template, {"form": form, **context}, status=400 if form.errors else 200)


@login_required
def playbook_create(request: HttpRequest) -> HttpResponse:
    policy.check(request.user, Action.ADD, services.PLAYBOOK)
    form = PlaybookForm(_posted(request))
    return _record_form(
        request,
        form,
        lambda data: services.create_playbook(request.user, data),
        lambda saved: saved_url("incidents:playbook-detail", saved.pk),
        {},
    )


@login_required
def playbook_edit(request: HttpRequest, pk: int) -> HttpResponse:
    playbook = policy.get_visible(request.user, services.PLAYBOOK, Playbook.objects.all(), pk=pk)
    policy.check(request.user, Action.CHANGE, services.PLAYBOOK, playbook)
    form = PlaybookForm(_posted(request), instance=Playbook.objects.get(pk=pk))
    return _record_form(
        request,
        form,
        lambda data: services.update_playbook(request.user, playbook, data),
        lambda saved: saved_url("incidents:playbook-detail", saved.pk),
        {"playbook": playbook},
    )


@login_required
def step_create(request: HttpRequest, pk: int) -> HttpResponse:
    playbook = policy.get_visible(request.user, services.PLAYBOOK, Playbook.objects.all(), pk=pk)
    policy.check(request.user, Action.ADD, services.PLAYBOOK)
    form = PlaybookStepForm(_posted(request))
    return _record_form(
        request,
        form,
        lambda data: services.add_step(request.user, playbook, data),
        lambda saved: saved_url("incidents:playbook-detail", playbook.pk),
        {"playbook": playbook, "step": True},
    )


def _step(request: HttpRequest, pk: int) -> PlaybookStep:
    return policy.get_visible(request.user, services.PLAYBOOK, PlaybookStep.objects.select_related("playbook"), pk=pk)


@login_required
def step_edit(request: HttpRequest, pk: int) -> HttpResponse:
    step = _step(request, pk)
    policy.check(request.user, Action.CHANGE, services.PLAYBOOK, step)
    form = PlaybookStepForm(_posted(request), instance=PlaybookStep.objects.get(pk=pk))
    return _record_form(
        request,
        form,
        lambda data: services.update_step(request.user, step, data),
        lambda saved: saved_url("incidents:playbook-detail", step.playbook_id),
        {"playbook": step.playbook, "step": step},
    )


@login_required
@require_POST
def step_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a step from the template; tasks already made from it stay on their cases."""
    step = _step(request, pk)
    policy.check(request.user, Action.DELETE, services.PLAYBOOK, step)
    services.delete_step(request.user, step)
    return redirect("incidents:playbook-detail", pk=step.playbook_id)


def saved_url(name: str, pk: int) -> str:
    return reverse(name, args=[pk])
