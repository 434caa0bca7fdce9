"""Management review: inputs gathered for the period, minutes by the manager, approval by top management only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from mamori.pms import services_reviews as reviews
from mamori.pms import services_training as training
from mamori.pms.models import Course, ReviewStatus

PERIOD = (dt.date(2026, 4, 1), dt.date(2027, 3, 31))


@pytest.mark.django_db
def test_the_inputs_carry_training_and_readiness_of_the_period(manager, staff) -> None:
    # given a course due in the period, passed by one worker
    course = Course.objects.create(title="教育", fiscal_year=2026, due_date=dt.date(2026, 12, 1))
    training.record_attendance(manager, course, staff, dt.date(2026, 11, 20), 100)
    # when the manager prepares the review
    review = reviews.create_review(manager, *PERIOD)
    # then the snapshot has the numbers, and no personal data
    assert review.inputs["training"] == [
        {"course": str(course), "passed": 1, "workers": review.inputs["training"][0]["workers"]}
    ]
    assert "percent" in review.inputs["readiness"]
    assert "staff" not in str(review.inputs)


@pytest.mark.django_db
def test_only_top_management_approves_and_only_complete_minutes(manager, president) -> None:
    review = reviews.create_review(manager, *PERIOD)
    with pytest.raises(PermissionDenied):
        reviews.approve(manager, review)
    with pytest.raises(ValidationError, match=r"Fill in|承認"):
        reviews.approve(president, review)
    reviews.update_review(
        manager, review, {"held_on": dt.date(2027, 3, 20), "minutes": "報告を受けた", "decisions": "教育を年2回に"}
    )
    reviews.approve(president, review)
    review.refresh_from_db()
    assert review.status == ReviewStatus.APPROVED and review.approved_by == president
    # and nothing changes after approval
    with pytest.raises(ValidationError):
        reviews.update_review(manager, review, {"minutes": "書き換え"})
    with pytest.raises(ValidationError):
        reviews.regather(manager, review)


@pytest.mark.django_db
def test_a_period_that_ends_before_it_starts_is_refused(manager) -> None:
    with pytest.raises(ValidationError):
        reviews.create_review(manager, PERIOD[1], PERIOD[0])
