"""Training pages: the year's plan with who passed and who is overdue, course records, the certificate list."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.core.crud import query_id
from mamori.core.forms import apply_validation_error
from mamori.pms import services_training as training
from mamori.pms.exporting import cell_text
from mamori.pms.forms import ArchiveForm, AttendanceForm, CourseForm
from mamori.pms.models import Course, TrainingRecord


def _year(request: HttpRequest) -> int:
    year = query_id(request.GET.get("year"))
    return year if year and 2000 <= year <= 2100 else training.fiscal_year(timezone.localdate())


@login_required
def course_list(request: HttpRequest) -> HttpResponse:
    policy.check(request.user, Action.VIEW, training.COURSE)
    year = _year(request)
    standings = training.standings(request.user, year)
    courses = list(policy.scope(request.user, training.COURSE, Course.objects.filter(fiscal_year=year)))
    people: dict[int, list[training.Standing]] = {}
    for line in standings:
        people.setdefault(line.worker.pk, []).append(line)
    return render(
        request,
        "pms/training_list.html",
        {
            "year": year,
            "courses": courses,
            "people": list(people.values()),
            "overdue": sum(1 for s in standings if s.overdue),
            "can_add": policy.can(request.user, Action.ADD, training.COURSE),
            "can_export": policy.can(request.user, Action.EXPORT, training.RECORD),
        },
    )


def _form_page(request: HttpRequest, form: CourseForm, course: Course | None) -> HttpResponse:
    return render(request, "pms/course_form.html", {"form": form, "object": course}, status=400 if form.errors else 200)


@login_required
def course_create(request: HttpRequest) -> HttpResponse:
    policy.check(request.user, Action.ADD, training.COURSE)
    initial = {"fiscal_year": training.fiscal_year(timezone.localdate()), "pass_mark": 80}
    form = CourseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            course = training.create_course(request.user, form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("pms:course_detail", pk=course.pk)
    return _form_page(request, form, None)


@login_required
def course_edit(request: HttpRequest, pk: int) -> HttpResponse:
    course = policy.get_visible(request.user, training.COURSE, Course.objects.all(), pk=pk)
    policy.check(request.user, Action.CHANGE, training.COURSE, course)
    form = CourseForm(request.POST or None, instance=Course.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        try:
            training.update_course(request.user, course, {f: form.cleaned_data[f] for f in training.COURSE_FIELDS})
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("pms:course_detail", pk=course.pk)
    return _form_page(request, form, course)


@login_required
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    course = policy.get_visible(request.user, training.COURSE, Course.objects.all(), pk=pk)
    return _course_page(request, course, AttendanceForm(initial={"completed_on": timezone.localdate()}))


def _course_page(request: HttpRequest, course: Course, form: AttendanceForm, status: int = 200) -> HttpResponse:
    lines = [s for s in training.standings(request.user, course.fiscal_year) if s.course.pk == course.pk]
    return render(
        request,
        "pms/course_detail.html",
        {
            "object": course,
            "lines": lines,
            "form": form,
            "can_record": policy.can(request.user, Action.CHANGE, training.RECORD) and course.archived_at is None,
            "can_change": policy.can(request.user, Action.CHANGE, training.COURSE, course),
        },
        status=status,
    )


@login_required
@require_POST
def attendance_record(request: HttpRequest, pk: int) -> HttpResponse:
    course = policy.get_visible(request.user, training.COURSE, Course.objects.all(), pk=pk)
    policy.check(request.user, Action.CHANGE, training.RECORD)
    form = AttendanceForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            training.record_attendance(request.user, course, data["user"], data["completed_on"], data["score"])
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("pms:course_detail", pk=course.pk)
    return _course_page(request, course, form, status=400)


@login_required
def course_archive(request: HttpRequest, pk: int) -> HttpResponse:
    course = policy.get_visible(request.user, training.COURSE, Course.objects.all(), pk=pk)
    policy.check(request.user, Action.CHANGE, training.COURSE, course)
    form = ArchiveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            training.archive_course(request.user, course, form.cleaned_data["reason"])
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("pms:course_detail", pk=course.pk)
    return render(
        request, "pms/course_archive.html", {"form": form, "object": course}, status=400 if form.errors else 200
    )


@login_required
def certificates_xlsx(request: HttpRequest) -> HttpResponse:
    """Everyone who passed a course of the year (受講証明一覧), for the auditor or the Privacy Mark review."""
    policy.check(request.user, Action.EXPORT, training.RECORD)
    year = _year(request)
    records = [
        r for r in TrainingRecord.objects.filter(course__fiscal_year=year).select_related("course", "user") if r.passed
    ]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"{year}年度 受講証明一覧"
    sheet.append(["講座", "氏名", "ログイン名", "受講日", "理解度テスト(%)", "合格基準(%)"])
    for r in records:
        name = str(r.user)
        sheet.append(
            [cell_text(r.course.title), cell_text(name), r.user.username, r.completed_on, r.score, r.course.pass_mark]
        )
    for column, width in zip("ABCDEF", (36, 28, 16, 12, 14, 12), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    training.record_certificates_export(request.user, len(records))
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="training-certificates-{year}.xlsx"'
    return response
