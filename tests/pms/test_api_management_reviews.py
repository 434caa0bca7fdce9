"""Management reviews over the API, read-only: /api/v1/management-reviews/. One review carries its inputs exactly as
they were gathered; the protection manager, top management and the internal auditor read them, nobody else."""

from __future__ import annotations

import datetime as dt

import pytest

from mamori.pms import services_reviews as reviews
from mamori.pms.models import ManagementReview

pytestmark = pytest.mark.django_db

PERIOD = (dt.date(2026, 4, 1), dt.date(2027, 3, 31))


@pytest.fixture
def review(manager, president):
    review = reviews.create_review(manager, *PERIOD)
    reviews.update_review(
        manager, review, {"held_on": dt.date(2026, 12, 1), "minutes": "報告を受けた", "decisions": "教育を年2回に"}
    )
    reviews.approve(president, review)
    review.refresh_from_db()
    return review


def test_one_review_gives_its_inputs_as_stored_and_the_list_a_summary(client_for, manager, review):
    # given: the stored snapshot differs from what gathering again would give
    ManagementReview.objects.filter(pk=review.pk).update(inputs={**review.inputs, "note": "as stored"})
    draft = reviews.create_review(manager, dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    api = client_for(manager)
    # when
    listed = api.get("/api/v1/management-reviews/?status=approved")
    one = api.get(f"/api/v1/management-reviews/{review.pk}/")
    # then
    assert [r["id"] for r in listed.json()["results"]] == [review.pk]
    assert "inputs" not in listed.json()["results"][0]
    body = one.json()
    assert body["inputs"]["note"] == "as stored"
    assert body["inputs"]["readiness"] == review.inputs["readiness"]
    assert body["minutes"] == "報告を受けた" and body["decisions"] == "教育を年2回に"
    assert body["status"] == "approved" and body["approved_by"] is not None
    assert api.get(f"/api/v1/management-reviews/{draft.pk}/").json()["status"] == "draft"


@pytest.mark.parametrize("reader", ["president", "auditor"])
def test_top_management_and_the_internal_auditor_read_the_reviews(request, client_for, review, reader):
    # given
    api = client_for(request.getfixturevalue(reader))
    # when
    listed = api.get("/api/v1/management-reviews/")
    one = api.get(f"/api/v1/management-reviews/{review.pk}/")
    # then
    assert listed.status_code == 200 and listed.json()["count"] == 1
    assert one.status_code == 200 and "inputs" in one.json()


@pytest.mark.parametrize("reader", ["staff", "alice_contractor", "investigator"])
def test_staff_and_outsiders_get_403_for_the_list_and_404_for_a_review(request, client_for, review, reader):
    # given
    api = client_for(request.getfixturevalue(reader))
    # when
    listed = api.get("/api/v1/management-reviews/")
    one = api.get(f"/api/v1/management-reviews/{review.pk}/")
    # then
    assert listed.status_code == 403
    assert one.status_code == 404


def test_an_unknown_status_is_a_400_and_the_endpoint_is_read_only(client_for, manager, review):
    # given
    api = client_for(manager)
    # when / then
    assert api.get("/api/v1/management-reviews/?status=closed").status_code == 400
    assert api.patch(f"/api/v1/management-reviews/{review.pk}/", {}, content_type="application/json").status_code == 405
