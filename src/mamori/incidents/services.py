"""Incident case actions (インシデント事案): open, update, move between stages, archive; timeline entries and notes;
tasks; playbooks. One function per state change; each checks the policy and writes the audit trail in the
same transaction as the change.

Cases, their timelines and their tasks are evidence: nothing here deletes them. A case is archived with a
reason (refused while it is under legal hold); a task is cancelled with a reason.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from mamori.accounts import policy
from mamori.accounts.models import User
from mamori.accounts.policy import Action, Actor
from mamori.audit import services as audit
from mamori.core import actions
from mamori.env import env_int
from mamori.incidents import deadlines
from mamori.incidents.models import (
    CaseAccess,
    CaseStatus,
    CaseStatusChange,
    CaseTask,
    IncidentCase,
    Playbook,
    PlaybookStep,
    TaskStatus,
    TimelineEvent,
    TimelineKind,
)

RESOURCE = "incident_case"
TIMELINE = "case_timeline"
TASK = "case_task"
PLAYBOOK = "playbook"

# What a form or the API may set on a case; the stage, the hold and the archive have their own functions.
CASE_FIELDS = frozenset(
    {
        "title",
        "summary",
        "discovered_at",
        "detection_source",
        "detection_detail",
        "severity",
        "suspected_breach",
        "contractor",
        "exposure_from",
        "exposure_to",
        "persons_affected",
    }
)
# Set once, when a contractor's report opens the case (the portal): its notice to the client (規則 Art. 9).
CREATE_ONLY_FIELDS = frozenset({"contractor_notified_at", "contractor_notified_by"})
CASE_LINKS = ("ledger_entries", "data_sources")
OPEN_TASK_STATUSES = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)
# Empty when the system (a playbook applied by the demo or the CLI) wrote the task: nothing to validate there.
SYSTEM_WRITTEN = ["created_by"]


def _now() -> dt.datetime:
    return timezone.now()


def _stamp(moment: dt.datetime) -> str:
    """A moment as the company reads it (Asia/Tokyo)."""
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


def _actor_user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) else None


def _required_text(value: Any, field: str, message: str) -> str:
    text = str(value or "").strip()
    if not text:
        raise ValidationError({field: message})
    return text


def _refuse_if_archived(case: IncidentCase) -> None:
    if case.archived_at is not None:
        raise ValidationError(_("This case is archived; archived cases are kept as they are."))


def _case_snapshot(case: IncidentCase) -> dict[str, Any]:
    """The audit snapshot with the linked ledger entries and data sources (many-to-many, not in a row)."""
    values = audit.snapshot(case)
    if case.pk:
        values["ledger_entries"] = sorted(case.ledger_entries.values_list("pk", flat=True))
        values["data_sources"] = sorted(case.data_sources.values_list("pk", flat=True))
    return values


def _system_entry(case: IncidentCase, actor: Actor, title: str, description: str = "", **extra: Any) -> TimelineEvent:
    """A timeline line Mamori writes itself (the case was opened, moved, archived); audited with it."""
    entry = TimelineEvent.objects.create(
        case=case,
        kind=extra.pop("kind", TimelineKind.SYSTEM),
        occurred_at=extra.pop("occurred_at", None) or _now(),
        title=title[:300],
        description=description,
        recorded_by=_actor_user(actor),
        **extra,
    )
    audit.record_create(actor, entry)
    return entry


# Cases


def create_case(actor: Actor, data: Mapping[str, Any]) -> IncidentCase:
    """Open a case. A contractor user's report always belongs to its own contractor.

    A suspected breach is under legal hold from this moment (its evidence cannot be deleted), and the
    timeline starts with when and how the company learned of it. With ``playbook``, the playbook's steps
    become the first tasks.
    """
    policy.check(actor, Action.ADD, RESOURCE)
    values = {k: v for k, v in data.items() if k in CASE_FIELDS | CREATE_ONLY_FIELDS}
    links = {k: list(data.get(k) or []) for k in CASE_LINKS}
    playbook: Playbook | None = data.get("playbook")
    if playbook is not None:
        policy.check(actor, Action.VIEW, PLAYBOOK)
    if policy.is_contractor_user(actor):
        values["contractor"] = actor.contractor
    now = _now()
    case = IncidentCase(**values, status=CaseStatus.RECEIVED, created_by=_actor_user(actor))
    case.legal_hold = bool(case.suspected_breach)
    case.hold_placed_at = now if case.legal_hold else None
    case.full_clean()
    _check_exposure(case)
    with transaction.atomic():
        case.save()
        for name, items in links.items():
            getattr(case, name).set(items)
        audit.record(actor, "create", case, changes=audit.diff({}, _case_snapshot(case)))
        _record_opening(actor, case)
        if playbook is not None:
            _tasks_from_playbook(actor, case, playbook)
    return case


def _record_opening(actor: Actor, case: IncidentCase) -> None:
    CaseStatusChange.objects.create(
        case=case, to_status=case.status, changed_by=_actor_user(actor), changed_at=_now(), reason=_("Case opened")
    )
    _system_entry(
        case,
        actor,
        _("Case opened; learned of it at %(when)s (%(source)s)")
        % {"when": _stamp(case.discovered_at), "source": case.get_detection_source_display()},
        case.detection_detail,
        source=case.get_detection_source_display(),
        occurred_at=case.discovered_at,
    )
    if case.legal_hold:
        _system_entry(
            case,
            actor,
            _("Legal hold placed: evidence of this case cannot be deleted or replaced"),
            _("A suspected personal-data breach is under legal hold from the moment the case is opened."),
        )


def _check_exposure(case: IncidentCase) -> None:
    if case.exposure_from and case.exposure_to and case.exposure_to < case.exposure_from:
        raise ValidationError({"exposure_to": _("The exposure cannot end before it starts.")})


def update_case(actor: Actor, case: IncidentCase, data: Mapping[str, Any]) -> IncidentCase:
    """Change what is known about a case. The stage moves only with :func:`move_case` (with a reason)."""
    policy.check(actor, Action.CHANGE, RESOURCE, case)
    _refuse_if_archived(case)
    if "status" in data and data["status"] != case.status:
        raise ValidationError({"status": _("Move the case to another stage with a written reason instead.")})
    values = {k: v for k, v in data.items() if k in CASE_FIELDS}
    if policy.is_contractor_user(actor):
        values.pop("contractor", None)  # a contractor user's case stays its contractor's
    with transaction.atomic():
        before = _case_snapshot(case)
        for name, value in values.items():
            setattr(case, name, value)
        case.full_clean()
        _check_exposure(case)
        case.save()
        for name in CASE_LINKS:
            if name in data:
                getattr(case, name).set(list(data[name] or []))
        changes = audit.diff(before, _case_snapshot(case))
        if changes:
            audit.record(actor, "update", case, changes=changes)
    return case


def record_persons_affected(actor: Actor, case: IncidentCase, count: int, reference: str) -> IncidentCase:
    """Set the case's number of persons affected (report item 3 本人の数, read by the APPI assessment) from a
    computed result such as a scoping (影響範囲の特定); the change is audited and written on the timeline."""
    policy.check(actor, Action.CHANGE, RESOURCE, case)
    _refuse_if_archived(case)
    with transaction.atomic():
        before = _case_snapshot(case)
        previous = case.persons_affected
        case.persons_affected = count
        case.save(update_fields=["persons_affected", "updated_at"])
        changes = audit.diff(before, _case_snapshot(case))
        if changes:
            audit.record(actor, "update", case, changes=changes, message=reference[:200])
            _system_entry(
                case,
                actor,
                _("Persons affected: %(count)d (%(reference)s)") % {"count": count, "reference": reference},
                _("Previously: %(previous)s") % {"previous": "-" if previous is None else previous},
            )
    return case


def move_case(
    actor: Actor, case: IncidentCase, to_status: str, reason: str, *, close_with_open_tasks: bool = False
) -> CaseStatusChange:
    """Move a case to another stage, forward or back, with a written reason.

    Closing a case whose tasks are not all done or cancelled needs ``close_with_open_tasks`` (the reason
    then says why they stay open).
    """
    policy.check(actor, Action.CHANGE, RESOURCE, case)
    _refuse_if_archived(case)
    reason = _required_text(reason, "reason", _("Say why the case moves to this stage."))
    if to_status not in CaseStatus.values:
        raise ValidationError({"status": _("Choose one of the stages of a case.")})
    if to_status == case.status:
        raise ValidationError({"status": _("The case is already at this stage.")})
    open_tasks = case.tasks.filter(status__in=OPEN_TASK_STATUSES).count()
    if to_status == CaseStatus.CLOSED and open_tasks and not close_with_open_tasks:
        raise ValidationError(
            {
                "status": _(
                    "%(count)d task(s) are still open. Finish or cancel them, or confirm closing with open "
                    "tasks and say why in the reason."
                )
                % {"count": open_tasks}
            }
        )
    with transaction.atomic():
        before = audit.snapshot(case)
        from_status = case.status
        case.status = to_status
        case.save(update_fields=["status", "updated_at"])
        change = CaseStatusChange.objects.create(
            case=case,
            from_status=from_status,
            to_status=to_status,
            changed_by=_actor_user(actor),
            changed_at=_now(),
            reason=reason,
        )
        audit.record_update(actor, case, before, message=reason)
        _system_entry(
            case,
            actor,
            _("Stage moved from %(from)s to %(to)s")
            % {"from": CaseStatus(from_status).label, "to": CaseStatus(to_status).label},
            reason,
        )
    return change


def archive_case(actor: Actor, case: IncidentCase, reason: str) -> IncidentCase:
    """Archive a case instead of deleting it: it leaves the lists and stays readable. Refused under legal hold."""
    policy.check(actor, Action.CHANGE, RESOURCE, case)
    reason = _required_text(reason, "reason", _("Say why the case is archived."))
    if case.archived_at is not None:
        raise ValidationError(_("This case is already archived."))
    if case.legal_hold:
        raise ValidationError(
            _("This case is under legal hold and cannot be archived. The hold must be released first.")
        )
    with transaction.atomic():
        before = audit.snapshot(case)
        case.archived_at = _now()
        case.archive_reason = reason
        case.save(update_fields=["archived_at", "archive_reason", "updated_at"])
        audit.record_update(actor, case, before, message=reason)
        _system_entry(case, actor, _("Case archived"), reason)
    return case


def active_cases() -> QuerySet[IncidentCase]:
    """Cases that are not archived (archived ones are left out of lists, but their pages stay readable)."""
    return IncidentCase.objects.filter(archived_at__isnull=True)


# Timeline


def add_timeline_event(actor: Actor, case: IncidentCase, data: Mapping[str, Any]) -> TimelineEvent:
    """Add what happened when (an event, an action taken or a note) to the case's timeline. Never edited later."""
    policy.check(actor, Action.VIEW, RESOURCE, case)
    policy.check(actor, Action.ADD, TIMELINE)
    _refuse_if_archived(case)
    kind = data.get("kind") or TimelineKind.EVENT
    if kind == TimelineKind.SYSTEM or kind not in TimelineKind.values:
        raise ValidationError({"kind": _("Choose an event, an action taken or a note.")})
    entry = TimelineEvent(
        case=case,
        kind=kind,
        occurred_at=data.get("occurred_at") or _now(),
        title=_required_text(data.get("title"), "title", _("Say what happened.")),
        description=str(data.get("description") or ""),
        source=str(data.get("source") or ""),
        reference=str(data.get("reference") or ""),
        recorded_by=_actor_user(actor),
    )
    entry.full_clean()
    if entry.occurred_at > _now() + dt.timedelta(minutes=5):
        raise ValidationError({"occurred_at": _("A timeline entry cannot happen in the future.")})
    with transaction.atomic():
        entry.save()
        audit.record_create(actor, entry)
    return entry


def add_note(actor: Actor, case: IncidentCase, text: str) -> TimelineEvent:
    """A note on the timeline, now: the first line is its title, the rest its details."""
    text = _required_text(text, "title", _("Write the note."))
    first, _sep, rest = text.partition("\n")
    return add_timeline_event(
        actor, case, {"kind": TimelineKind.NOTE, "title": first[:300], "description": (first[300:] + rest).strip()}
    )


def timeline(actor: Actor, case: IncidentCase) -> QuerySet[TimelineEvent]:
    """The case's timeline in the order things happened."""
    policy.check(actor, Action.VIEW, RESOURCE, case)
    entries = policy.scope(actor, TIMELINE, TimelineEvent.objects.filter(case=case))
    return entries.select_related("recorded_by").order_by("occurred_at", "pk")


# Tasks


def scope_tasks(actor: Actor, queryset: QuerySet[CaseTask] | None = None) -> QuerySet[CaseTask]:
    """The tasks the actor may see: the policy's scope, narrowed for contractor users to their own tasks
    (a contractor's user sees none of the client's internal work on its case)."""
    queryset = CaseTask.objects.all() if queryset is None else queryset
    tasks = policy.scope(actor, TASK, queryset)
    if policy.is_contractor_user(actor):
        tasks = tasks.filter(owner_id=actor.pk)
    return tasks


def tasks_for(actor: Actor, case: IncidentCase) -> QuerySet[CaseTask]:
    """The tasks of a case the actor sees: contractor users only those assigned to them."""
    return scope_tasks(actor, CaseTask.objects.filter(case=case)).select_related("owner", "case")


def visible_task(actor: Actor, pk: Any) -> CaseTask:
    """One task the actor may see (404 otherwise): contractor users only their own."""
    tasks = scope_tasks(actor, CaseTask.objects.select_related("case", "owner"))
    return policy.get_visible(actor, TASK, tasks, pk=pk)


def _check_task(actor: Actor, task: CaseTask, action: Action) -> None:
    policy.check(actor, action, TASK, task)
    if policy.is_contractor_user(actor) and task.owner_id != actor.pk:
        raise policy.NotVisible("No case_task matches the given query.")
    _refuse_if_archived(task.case)


def _check_owner(case: IncidentCase, owner: User | None) -> None:
    """A task's owner must be an active user who may see the case."""
    if owner is None:
        return
    if not policy.is_active_user(owner) or not policy.can(owner, Action.VIEW, RESOURCE, case):
        raise ValidationError({"owner": _("The owner must be an active user who can see this case.")})


def add_task(actor: Actor, case: IncidentCase, data: Mapping[str, Any]) -> CaseTask:
    policy.check(actor, Action.VIEW, RESOURCE, case)
    policy.check(actor, Action.ADD, TASK)
    _refuse_if_archived(case)
    owner = data.get("owner")
    _check_owner(case, owner)
    last = case.tasks.order_by("-order").values_list("order", flat=True).first() or 0
    task = CaseTask(
        case=case,
        title=_required_text(data.get("title"), "title", _("Say what is to be done.")),
        description=str(data.get("description") or ""),
        owner=owner,
        due_date=data.get("due_date"),
        order=last + 1,
        created_by=_actor_user(actor),
    )
    task.full_clean(exclude=SYSTEM_WRITTEN)
    with transaction.atomic():
        task.save()
        audit.record_create(actor, task)
    return task


def _change_task(actor: Actor, task: CaseTask, values: Mapping[str, Any], message: str = "") -> CaseTask:
    with transaction.atomic():
        before = audit.snapshot(task)
        for name, value in values.items():
            setattr(task, name, value)
        task.full_clean(exclude=SYSTEM_WRITTEN)
        task.save()
        audit.record_update(actor, task, before, message=message)
    return task


def assign_task(actor: Actor, task: CaseTask, owner: User | None) -> CaseTask:
    _check_task(actor, task, Action.CHANGE)
    _check_owner(task.case, owner)
    return _change_task(actor, task, {"owner": owner})


def set_task_due(actor: Actor, task: CaseTask, due_date: dt.date | None) -> CaseTask:
    _check_task(actor, task, Action.CHANGE)
    return _change_task(actor, task, {"due_date": due_date})


def set_task_status(actor: Actor, task: CaseTask, status: str, reason: str = "") -> CaseTask:
    """To do → in progress → done (done_at is set), or cancelled with a reason; tasks are never deleted."""
    _check_task(actor, task, Action.CHANGE)
    if status not in TaskStatus.values:
        raise ValidationError({"status": _("Choose one of the task statuses.")})
    if status == task.status:
        return task
    reason = str(reason or "").strip()
    if status == TaskStatus.CANCELLED and not reason:
        raise ValidationError({"reason": _("Say why the task is cancelled.")})
    done_at = _now() if status == TaskStatus.DONE else None
    with transaction.atomic():
        _change_task(actor, task, {"status": status, "done_at": done_at}, message=reason)
        if status in (TaskStatus.DONE, TaskStatus.CANCELLED):
            title = _("Task done: %(task)s") if status == TaskStatus.DONE else _("Task cancelled: %(task)s")
            _system_entry(task.case, actor, title % {"task": task.title}, reason, reference=f"task:{task.pk}")
    return task


def apply_playbook(actor: Actor, case: IncidentCase, playbook: Playbook) -> list[CaseTask]:
    """Add a playbook's steps as tasks to a case (each due the given days after the company learned of it)."""
    policy.check(actor, Action.VIEW, RESOURCE, case)
    policy.check(actor, Action.ADD, TASK)
    policy.check(actor, Action.VIEW, PLAYBOOK)
    _refuse_if_archived(case)
    with transaction.atomic():
        return _tasks_from_playbook(actor, case, playbook)


def _tasks_from_playbook(actor: Actor, case: IncidentCase, playbook: Playbook) -> list[CaseTask]:
    learned = timezone.localdate(case.discovered_at)
    last = case.tasks.order_by("-order").values_list("order", flat=True).first() or 0
    english = (translation.get_language() or "ja").startswith("en")  # the language of whoever opens it
    tasks = []
    for number, step in enumerate(playbook.steps.order_by("order", "pk"), start=last + 1):
        task = CaseTask.objects.create(
            case=case,
            title=(step.title_en if english else step.title_ja)[:300],
            description=step.description_en if english else step.description_ja,
            due_date=learned + dt.timedelta(days=step.due_days) if step.due_days is not None else None,
            playbook_step=step,
            order=number,
            created_by=_actor_user(actor),
        )
        audit.record_create(actor, task, message=f"playbook {playbook.key}")
        tasks.append(task)
    _system_entry(
        case,
        actor,
        _("Playbook applied: %(name)s (%(count)d tasks)")
        % {"name": playbook_name(playbook, translation.get_language() or "ja"), "count": len(tasks)},
        reference=f"playbook:{playbook.key}",
    )
    return tasks


# Playbooks (templates: edited by the protection manager; steps may be removed, tasks made from them stay)


def create_playbook(actor: Actor, data: Mapping[str, Any]) -> Playbook:
    return actions.create_record(actor, PLAYBOOK, Playbook, data)


def update_playbook(actor: Actor, playbook: Playbook, data: Mapping[str, Any]) -> Playbook:
    return actions.update_record(actor, PLAYBOOK, playbook, data)


def add_step(actor: Actor, playbook: Playbook, data: Mapping[str, Any]) -> PlaybookStep:
    values = dict(data)
    if values.get("order") is None:
        last = playbook.steps.order_by("-order").values_list("order", flat=True).first() or 0
        values["order"] = last + 1
    return actions.create_record(actor, PLAYBOOK, PlaybookStep, {**values, "playbook": playbook})


def update_step(actor: Actor, step: PlaybookStep, data: Mapping[str, Any]) -> PlaybookStep:
    return actions.update_record(actor, PLAYBOOK, step, data)


def delete_step(actor: Actor, step: PlaybookStep) -> None:
    actions.delete_record(actor, PLAYBOOK, step)


def playbook_name(playbook: Playbook, language: str) -> str:
    return playbook.name_en if language.startswith("en") else playbook.name_ja


# Investigators


def invite_investigator(actor: Actor, case: IncidentCase, user: User, expires_at: dt.datetime) -> CaseAccess:
    """Let an outside investigator (外部調査員) read one case until ``expires_at``."""
    policy.check(actor, Action.ADD, "case_access")
    if not policy.may_be_invited(user):
        raise ValidationError({"user": _("Only outside investigators are invited to cases.")})
    with transaction.atomic():
        access, created = CaseAccess.objects.get_or_create(case=case, user=user, defaults={"expires_at": expires_at})
        if created:
            audit.record_create(actor, access)
        else:
            before = audit.snapshot(access)
            access.expires_at = expires_at
            access.save(update_fields=["expires_at"])
            audit.record_update(actor, access, before)
    return access


def revoke_investigator(actor: Actor, access: CaseAccess) -> None:
    actions.delete_record(actor, "case_access", access)


# Due dates: open tasks with a due date (the other parts register reports, notices and hold reviews)


@deadlines.provider
def task_deadlines(case: IncidentCase) -> Iterator[deadlines.Deadline]:
    tasks: Iterable[CaseTask] = case.tasks.filter(status__in=OPEN_TASK_STATUSES, due_date__isnull=False)
    for task in tasks:
        yield deadlines.Deadline(
            key=f"case:{case.pk}:task:{task.pk}",
            case_id=case.pk,
            title=_("Task: %(task)s") % {"task": task.title},
            due=task.due_date,  # type: ignore[arg-type]  # filtered on not null above
            url=reverse("incidents:detail", args=[case.pk]) + f"#task-{task.pk}",
            recipients=(task.owner_id,) if task.owner_id else (),
        )


def hold_review_days() -> int:
    """Days between reviews of a standing legal hold (MAMORI_HOLD_REVIEW_DAYS, default 90)."""
    value = getattr(settings, "MAMORI_HOLD_REVIEW_DAYS", None) or env_int("MAMORI_HOLD_REVIEW_DAYS", 90)
    return max(1, int(value))


@deadlines.provider
def hold_review_deadlines(case: IncidentCase) -> Iterator[deadlines.Deadline]:
    """A hold is kept until two managers release it; every period the managers are asked to decide again whether
    it must stand, so that evidence is neither destroyed too early nor kept without reason."""
    if not case.legal_hold or case.is_closed or case.hold_placed_at is None:
        return
    period = hold_review_days()
    start = timezone.localdate(case.hold_placed_at)
    elapsed = max(0, (timezone.localdate() - start).days)
    due = start + dt.timedelta(days=period * max(1, math.ceil(elapsed / period)))
    yield deadlines.Deadline(
        key=f"case:{case.pk}:hold-review:{due.isoformat()}",
        case_id=case.pk,
        title=_("Review the legal hold: keep it, or ask for its release"),
        due=due,
        basis=_("every %(days)d days while the hold stands (MAMORI_HOLD_REVIEW_DAYS)") % {"days": period},
        url=reverse("incidents:detail", args=[case.pk]) + "#evidence",
    )


def ensure_playbooks() -> None:
    """Put back the five shipped playbooks that are missing (kept edits stay): the demo calls it, since a test
    database flushed between tests, or an installation restored from old rows, may lack migration 0003's data."""
    import importlib

    from django.apps import apps

    importlib.import_module("mamori.incidents.migrations.0003_playbooks").load_playbooks(apps, None)
