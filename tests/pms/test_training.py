"""Training: the yearly plan, who passed, who is overdue — staff see only their own line."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from mamori.pms import services_training as training
from mamori.pms.models import Course

TODAY = dt.date(2026, 12, 6)


@pytest.fixture
def course(db) -> Course:
    return Course.objects.create(title="個人情報保護教育 2026", fiscal_year=2026, due_date=TODAY, pass_mark=80)


def test_the_fiscal_year_runs_from_april() -> None:
    assert training.fiscal_year(dt.date(2027, 3, 31)) == 2026
    assert training.fiscal_year(dt.date(2027, 4, 1)) == 2027


@pytest.mark.django_db
def test_due_today_is_not_overdue_and_the_day_after_is(manager, staff, course) -> None:
    # given nobody has attended yet
    # when the plan is read on the due date and the day after
    on_the_day = training.standings(manager, 2026, TODAY)
    day_after = training.standings(manager, 2026, TODAY + dt.timedelta(days=1))
    # then only the day after counts as overdue
    assert not any(line.overdue for line in on_the_day)
    assert all(line.overdue for line in day_after)


@pytest.mark.django_db
def test_a_score_below_the_pass_mark_is_not_a_pass_and_a_retake_corrects_it(manager, staff, course) -> None:
    # given staff scored 70 against a pass mark of 80
    training.record_attendance(manager, course, staff, TODAY, 70)
    late = TODAY + dt.timedelta(days=1)
    line = next(s for s in training.standings(manager, 2026, late) if s.worker == staff)
    assert not line.passed and line.overdue
    # when the retake is recorded
    training.record_attendance(manager, course, staff, TODAY, 90)
    # then there is one record, passed
    line = next(s for s in training.standings(manager, 2026, late) if s.worker == staff)
    assert line.passed and not line.overdue and course.records.count() == 1


@pytest.mark.django_db
def test_staff_see_only_their_own_training(manager, staff, auditor, course) -> None:
    lines = training.standings(staff, 2026, TODAY)
    assert {line.worker for line in lines} == {staff}
    assert {manager, staff, auditor} <= {line.worker for line in training.standings(manager, 2026, TODAY)}


@pytest.mark.django_db
def test_contractor_users_are_not_in_the_plan_and_cannot_be_recorded(manager, alice_contractor, course) -> None:
    assert alice_contractor not in {line.worker for line in training.standings(manager, 2026, TODAY)}
    with pytest.raises(ValidationError):
        training.record_attendance(manager, course, alice_contractor, TODAY, 100)


@pytest.mark.django_db
def test_a_future_attendance_date_is_refused_on_the_field(client_for, manager, staff, course) -> None:
    response = client_for(manager).post(
        f"/pms/training/{course.pk}/attendance/", {"user": staff.pk, "completed_on": "2999-01-01", "score": 90}
    )
    assert response.status_code == 400
    assert course.records.count() == 0


@pytest.mark.django_db
def test_the_certificate_list_holds_those_who_passed(client_for, manager, staff, auditor, course) -> None:
    # given one pass and one fail
    training.record_attendance(manager, course, staff, TODAY, 95)
    training.record_attendance(manager, course, auditor, TODAY, 50)
    # when the auditor downloads the certificate list
    response = client_for(auditor).get("/pms/training/certificates.xlsx?year=2026")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    # then only the pass is on it
    assert [row[2] for row in rows] == ["staff"]


@pytest.mark.django_db
def test_staff_open_the_plan_and_see_their_own_status_only(client_for, manager, staff, course) -> None:
    training.record_attendance(manager, course, manager, TODAY, 100)
    page = client_for(staff).get("/pms/training/?year=2026").content.decode()
    assert course.title in page
    assert ">manager<" not in page and "100%" not in page
