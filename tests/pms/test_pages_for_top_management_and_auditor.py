"""The PMS pages as top management and the internal auditor read them: no button that only answers with an error,
the management review's inputs as JIS Q 15001 lists them, audit results findings first, an auditor's own work
flagged, and no setting names or wrong words showing through in Japanese."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone, translation
from django.utils.translation import pgettext

from mamori.incidents.models import CaseStatus, IncidentCase
from mamori.pms import services_audits as audits
from mamori.pms import services_reviews as reviews
from mamori.pms.models import AuditResult, Control
from tests.pms.helpers import ja, planned_audit

PERIOD = (dt.date(2026, 4, 1), dt.date(2027, 3, 31))
MINUTES = {"held_on": dt.date(2027, 3, 20), "minutes": "内部監査の報告を受けた", "decisions": "教育を年2回に"}


@pytest.mark.django_db
def test_top_management_is_offered_approval_only_once_the_minutes_are_written(client_for, manager, president) -> None:
    # given a review whose minutes the protection manager has not written yet
    review = reviews.create_review(manager, *PERIOD)
    approve = f'action="/pms/reviews/{review.pk}/approve/"'
    # when top management opens it
    page = client_for(president).get(f"/pms/reviews/{review.pk}/").content.decode()
    # then there is no approve button that could only answer with an error, but a note of what is missing
    assert approve not in page
    assert ja("minutes") in page and ja("decisions and instructions") in page
    # when the protection manager has filled in the date, the minutes and the decisions
    reviews.update_review(manager, review, MINUTES)
    page = client_for(president).get(f"/pms/reviews/{review.pk}/").content.decode()
    # then top management can approve
    assert approve in page


@pytest.mark.django_db
def test_the_protection_manager_is_told_what_the_minutes_must_cover(client_for, manager) -> None:
    # given a draft review
    review = reviews.create_review(manager, *PERIOD)
    # when the protection manager opens it to write the minutes
    page = client_for(manager).get(f"/pms/reviews/{review.pk}/").content.decode()
    # then the form names the inputs Mamori cannot gather (laws, changes inside and outside, improvement)
    with translation.override("ja"):
        from mamori.pms.forms import ReviewForm

        help_texts = [str(ReviewForm().fields[name].help_text) for name in ("minutes", "decisions")]
    assert all(text and text in page for text in help_texts)


@pytest.mark.django_db
def test_the_review_starts_from_the_decisions_of_the_previous_one(client_for, manager, president) -> None:
    # given last year's review, approved with its decisions
    last = reviews.create_review(manager, dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    reviews.update_review(manager, last, MINUTES)
    reviews.approve(president, last)
    # when this year's review is prepared and top management opens it
    review = reviews.create_review(manager, *PERIOD)
    page = client_for(president).get(f"/pms/reviews/{review.pk}/").content.decode()
    # then last year's decisions are its first input, with a link to that review
    assert "教育を年2回に" in page and f'href="/pms/reviews/{last.pk}/"' in page
    # and the first review of all says there is none before it
    page = client_for(president).get(f"/pms/reviews/{last.pk}/").content.decode()
    assert ja("No review was approved before this one.") in page


@pytest.mark.django_db
def test_an_incident_found_before_the_period_and_still_open_is_an_input(manager) -> None:
    # given an incident found two years ago and still being handled, and one closed long ago
    found = timezone.make_aware(dt.datetime(2024, 5, 1, 10, 0))
    IncidentCase.objects.create(title="配送伝票の誤送付", discovered_at=found, status=CaseStatus.INVESTIGATION)
    IncidentCase.objects.create(title="古い誤送信", discovered_at=found, status=CaseStatus.CLOSED)
    # when the review's inputs are gathered for this year
    review = reviews.create_review(manager, *PERIOD)
    # then top management sees the open case, although it was not found in the period
    incidents = review.inputs["incidents"]
    assert incidents["count"] == 0 and incidents["open"] == 1
    assert any("配送伝票の誤送付" in title for title in incidents["titles"])
    assert not any("古い誤送信" in title for title in incidents["titles"])


@pytest.mark.django_db
def test_audit_results_are_counted_findings_first_on_the_audit_and_the_review(client_for, manager, auditor) -> None:
    # given an audit with one nonconformity, one observation and one line that conforms
    plan = planned_audit(auditor)
    lines = list(plan.items.order_by("pk")[:3])
    audits.record_result(auditor, lines[0], AuditResult.CONFORMS, "方針を確認")
    audits.record_result(auditor, lines[1], AuditResult.OBSERVATION, "改訂中")
    audits.record_result(auditor, lines[2], AuditResult.NONCONFORMITY, "未合格者あり")
    review = reviews.create_review(manager, *PERIOD)
    order = [ja(label) for label in ("Nonconformity", "Observation", "Conforms", "Not checked yet")]
    for path in (f"/pms/audits/{plan.pk}/", f"/pms/reviews/{review.pk}/"):
        # when the page is opened
        page = client_for(manager).get(path).content.decode()
        # then the counts read findings first, joined the same way, never by the alphabet of the labels
        counts = re.search(rf"{order[0]} 1 · {order[1]} 1 · {order[2]} 1 · {order[3]} \d+", page)
        assert counts, path


@pytest.mark.django_db
def test_a_requirement_the_lead_auditor_owns_is_flagged_on_the_checklist(client_for, auditor) -> None:
    # given the lead auditor is the owner of the internal-audit requirement itself
    own = Control.objects.get(key="internal-audit")
    own.owner = auditor
    own.save()
    plan = planned_audit(auditor)
    item = plan.items.get(control=own)
    client = client_for(auditor)
    # when the auditor opens the checklist and that line
    checklist = client.get(f"/pms/audits/{plan.pk}/").content.decode()
    line = client.get(f"/pms/audits/items/{item.pk}/").content.decode()
    # then both say it is the auditor's own work: the checklist once, the line with what to do about it
    assert checklist.count(ja("Owned by the lead auditor")) == 1
    assert (
        ja(
            "The lead auditor owns this requirement. Auditors do not audit their own work: have someone independent "
            "check it, and record who did and what they saw."
        )
        in line
    )


@pytest.mark.django_db
def test_the_readiness_table_says_ready_not_the_card_list_word(client_for, president) -> None:
    # when top management opens the readiness report in Japanese
    page = client_for(president).get("/pms/readiness/").content.decode()
    # then the chapter table's column is the readiness word, not 照合可能 (a card list that can be matched)
    assert "照合可能" not in page
    with translation.override("ja"):
        assert pgettext("Privacy Mark readiness", "Ready") in page


@pytest.mark.django_db
def test_the_requests_page_shows_no_setting_name(client_for, president) -> None:
    # when top management opens the requests from persons
    page = client_for(president).get("/pms/requests/").content.decode()
    # then the due-date rule is told in words, without the server's setting name
    assert "MAMORI_REQUEST_DUE_DAYS" not in page
