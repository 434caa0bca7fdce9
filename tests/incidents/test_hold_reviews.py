"""A standing legal hold comes up for review every MAMORI_HOLD_REVIEW_DAYS days (default 90), among the case's due
dates (dashboard, case page, reminders), until it is released or the case is closed."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from mamori.incidents import deadlines
from mamori.incidents.models import CaseStatus


def _reviews(case):
    return [d for d in deadlines.for_case(case) if ":hold-review:" in d.key]


def test_a_hold_placed_today_is_reviewed_after_the_period(internal_case, settings):
    # given a case put under hold today, with a 90-day review period
    settings.MAMORI_HOLD_REVIEW_DAYS = 90
    internal_case.legal_hold, internal_case.hold_placed_at = True, timezone.now()
    internal_case.save()
    # when its due dates are listed
    (review,) = _reviews(internal_case)
    # then the review is due 90 days from today, with the rule given as its basis
    assert review.due == timezone.localdate() + dt.timedelta(days=90)
    assert "90" in review.basis


def test_the_review_comes_round_again_after_each_period(internal_case, settings):
    # given a hold placed 100 days ago
    settings.MAMORI_HOLD_REVIEW_DAYS = 90
    internal_case.legal_hold = True
    internal_case.hold_placed_at = timezone.now() - dt.timedelta(days=100)
    internal_case.save()
    # then the next review is at day 180, and on a review day itself the review is due that day
    (review,) = _reviews(internal_case)
    start = timezone.localdate(internal_case.hold_placed_at)
    assert review.due == start + dt.timedelta(days=180)
    internal_case.hold_placed_at = timezone.now() - dt.timedelta(days=90)
    internal_case.save()
    (today,) = _reviews(internal_case)
    assert today.due == timezone.localdate()


def test_a_released_hold_or_a_closed_case_needs_no_review(internal_case):
    # given a released hold, then a closed case under hold
    internal_case.legal_hold, internal_case.hold_placed_at = False, timezone.now()
    internal_case.save()
    assert _reviews(internal_case) == []
    internal_case.legal_hold, internal_case.status = True, CaseStatus.CLOSED
    internal_case.save()
    # then no review is due
    assert _reviews(internal_case) == []
