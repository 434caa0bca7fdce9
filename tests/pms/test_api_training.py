"""Training over the API, read-only: /api/v1/training-courses/ and /api/v1/training-records/. The same rules as the
training pages: every internal role reads the plan; staff read only their own records; outsiders read nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from mamori.pms import services_training as training
from mamori.pms.models import Course

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(manager, staff, auditor):
    course = training.create_course(
        manager,
        {"title": "個人情報保護教育", "fiscal_year": 2026, "due_date": dt.date(2027, 3, 31), "pass_mark": 80},
    )
    old = Course.objects.create(title="旧講座", fiscal_year=2025, due_date=dt.date(2026, 3, 31))
    mine = training.record_attendance(manager, course, staff, dt.date(2026, 10, 1), 90)
    theirs = training.record_attendance(manager, course, auditor, dt.date(2026, 10, 2), 60)
    return course, old, mine, theirs


def test_the_manager_lists_the_courses_of_a_fiscal_year_and_every_record(client_for, manager, plan):
    # given
    course, _old, _mine, _theirs = plan
    api = client_for(manager)
    # when
    courses = api.get("/api/v1/training-courses/?fiscal_year=2026")
    records = api.get(f"/api/v1/training-records/?course={course.pk}")
    # then
    assert courses.status_code == 200
    assert [c["id"] for c in courses.json()["results"]] == [course.pk]
    body = records.json()
    assert body["count"] == 2
    by_user = {r["username"]: r for r in body["results"]}
    assert by_user["staff"]["passed"] is True and by_user["staff"]["score"] == 90
    assert by_user["auditor"]["passed"] is False


def test_one_course_and_one_record_read_as_in_the_list(client_for, president, plan):
    # given
    course, _old, mine, _theirs = plan
    # when
    one_course = client_for(president).get(f"/api/v1/training-courses/{course.pk}/")
    one_record = client_for(president).get(f"/api/v1/training-records/{mine.pk}/")
    # then
    assert one_course.status_code == 200 and one_course.json()["title"] == "個人情報保護教育"
    assert one_record.status_code == 200
    assert one_record.json()["course"] == course.pk and one_record.json()["completed_on"] == "2026-10-01"


def test_staff_read_the_plan_but_only_their_own_records(client_for, staff, plan):
    # given
    course, old, mine, theirs = plan
    api = client_for(staff)
    # when
    courses = api.get("/api/v1/training-courses/")
    records = api.get("/api/v1/training-records/")
    someone_elses = api.get(f"/api/v1/training-records/{theirs.pk}/")
    # then
    assert {c["id"] for c in courses.json()["results"]} == {course.pk, old.pk}
    assert [r["id"] for r in records.json()["results"]] == [mine.pk]
    assert someone_elses.status_code == 404


def test_outsiders_get_403_for_the_lists_and_404_for_a_record(client_for, alice_contractor, investigator, plan):
    # given
    course, _old, mine, _theirs = plan
    for outsider in (alice_contractor, investigator):
        api = client_for(outsider)
        # when / then
        assert api.get("/api/v1/training-courses/").status_code == 403
        assert api.get("/api/v1/training-records/").status_code == 403
        assert api.get(f"/api/v1/training-courses/{course.pk}/").status_code == 404
        assert api.get(f"/api/v1/training-records/{mine.pk}/").status_code == 404


def test_archived_courses_can_be_left_out_and_a_bad_year_is_a_400(client_for, manager, plan):
    # given
    course, old, _mine, _theirs = plan
    training.archive_course(manager, old, "計画から外した")
    api = client_for(manager)
    # when
    current = api.get("/api/v1/training-courses/?archived=false")
    archived = api.get("/api/v1/training-courses/?archived=true")
    bad = api.get("/api/v1/training-courses/?fiscal_year=2026.5")
    # then
    assert [c["id"] for c in current.json()["results"]] == [course.pk]
    assert [c["id"] for c in archived.json()["results"]] == [old.pk]
    assert archived.json()["results"][0]["archive_reason"] == "計画から外した"
    assert bad.status_code == 400 and "fiscal_year" in bad.json()["error"]["fields"]


def test_the_endpoints_are_read_only(client_for, manager, plan):
    # given
    course, _old, mine, _theirs = plan
    api = client_for(manager)
    # when / then
    assert api.post("/api/v1/training-courses/", {}, content_type="application/json").status_code == 405
    assert api.patch(f"/api/v1/training-records/{mine.pk}/", {}, content_type="application/json").status_code == 405
    assert api.delete(f"/api/v1/training-courses/{course.pk}/").status_code == 405
