"""Training actions (教育): the yearly plan's courses, attendance and test results, who is overdue.

Every internal worker (top management, managers, staff) takes every course of the fiscal year; contractor users and
outside investigators are trained by their own employers and are not listed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.accounts import policy
from mamori.accounts.models import User
from mamori.accounts.policy import Action, Actor
from mamori.accounts.roles import INTERNAL_ROLES, Role
from mamori.audit import services as audit
from mamori.core import actions
from mamori.pms.models import Course, TrainingRecord

COURSE = "training_course"
RECORD = "training_record"
COURSE_FIELDS = ("title", "description", "fiscal_year", "due_date", "pass_mark")


def fiscal_year(day: dt.date) -> int:
    """The Japanese fiscal year (年度) a day falls in: April to March."""
    return day.year if day.month >= 4 else day.year - 1


def workers() -> QuerySet[User]:
    """Everyone who must be trained: active internal users."""
    return User.objects.filter(is_active=True, role__in=INTERNAL_ROLES).order_by("username")


def _user(actor: Actor) -> Any:
    return actor if getattr(actor, "pk", None) is not None else None


def create_course(actor: Actor, data: Mapping[str, Any]) -> Course:
    return actions.create_record(actor, COURSE, Course, {**data, "created_by": _user(actor)})


def update_course(actor: Actor, course: Course, data: Mapping[str, Any]) -> Course:
    if course.archived_at is not None:
        raise ValidationError(_("This course is archived and can no longer be changed."))
    return actions.update_record(actor, COURSE, course, data)


def archive_course(actor: Actor, course: Course, reason: str) -> Course:
    """Take a course out of the plan, keeping it and its records (they are the training evidence)."""
    return actions.archive_record(
        actor,
        COURSE,
        course,
        reason,
        no_reason=_("Say why the course is taken out of the plan."),
        already=_("This course is already out of the plan."),
    )


def record_attendance(actor: Actor, course: Course, worker: User, completed_on: dt.date, score: int) -> TrainingRecord:
    """Record (or correct) a worker's attendance and test score; a correction keeps the old values in the audit."""
    policy.check(actor, Action.CHANGE, RECORD)
    if worker.role not in INTERNAL_ROLES:
        raise ValidationError({"user": _("Only internal workers are trained in this plan.")})
    if completed_on > timezone.localdate():
        raise ValidationError({"completed_on": _("The attendance date cannot be in the future.")})
    with transaction.atomic():
        record = TrainingRecord.objects.select_for_update().filter(course=course, user=worker).first()
        if record is None:
            record = TrainingRecord(course=course, user=worker)
            before = None
        else:
            before = audit.snapshot(record)
        record.completed_on, record.score, record.recorded_by = completed_on, score, _user(actor)
        record.full_clean()
        record.save()
        if before is None:
            audit.record_create(actor, record)
        else:
            audit.record_update(actor, record, before, message="corrected")
    return record


@dataclass(frozen=True)
class Standing:
    """Where one worker stands on one course."""

    worker: User
    course: Course
    record: TrainingRecord | None
    overdue: bool

    @property
    def passed(self) -> bool:
        return self.record is not None and self.record.passed


def own_lines_only(actor: Actor) -> bool:
    """Staff read only their own training lines; those who keep or check the training read everyone's."""
    return getattr(actor, "role", None) == Role.STAFF


def visible_records(actor: Actor) -> QuerySet[TrainingRecord]:
    """The training records the actor may read (the API's rows; the pages narrow ``standings`` alike)."""
    records = policy.scope(actor, RECORD, TrainingRecord.objects.select_related("course", "user"))
    return records.filter(user_id=actor.pk) if own_lines_only(actor) else records


def standings(actor: Actor, year: int, today: dt.date | None = None) -> list[Standing]:
    """Every worker × every current course of the year; staff see only their own lines."""
    policy.check(actor, Action.VIEW, RECORD)
    today = today or timezone.localdate()
    courses = list(Course.objects.filter(fiscal_year=year, archived_at__isnull=True).order_by("due_date", "pk"))
    people = workers()
    if own_lines_only(actor):
        people = people.filter(pk=actor.pk)
    records = {
        (r.course_id, r.user_id): r for r in TrainingRecord.objects.filter(course__in=courses).select_related("course")
    }
    result = []
    for worker in people:
        for course in courses:
            record = records.get((course.pk, worker.pk))
            passed = record is not None and record.passed
            result.append(Standing(worker, course, record, overdue=not passed and course.due_date < today))
    return result


def record_certificates_export(actor: Actor, count: int) -> None:
    actions.record_export(actor, RECORD, "training certificates XLSX", count)
