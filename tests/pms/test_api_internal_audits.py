"""Internal audits over the API, read-only: /api/v1/internal-audits/. The internal audit manager, the protection
manager and top management read the plans and their checklists; staff and outsiders do not (as on the pages)."""

from __future__ import annotations

import pytest

from mamori.pms import services_audits as audits
from mamori.pms.models import AuditResult
from tests.pms.helpers import planned_audit

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(auditor):
    plan = planned_audit(auditor)
    first = plan.items.order_by("control__order").first()
    audits.record_result(auditor, first, AuditResult.OBSERVATION, "記録の一部に日付なし", "教育記録 2026")
    return plan, first


def test_the_list_gives_the_plans_and_one_plan_gives_its_checklist(client_for, auditor, plan):
    # given
    plan, first = plan
    planned_audit(auditor, title="臨時監査", fiscal_year=2025)
    api = client_for(auditor)
    # when
    listed = api.get("/api/v1/internal-audits/?fiscal_year=2026&status=in_progress")
    one = api.get(f"/api/v1/internal-audits/{plan.pk}/")
    # then
    assert listed.status_code == 200
    assert [p["id"] for p in listed.json()["results"]] == [plan.pk]
    assert "items" not in listed.json()["results"][0]
    body = one.json()
    assert body["lead_auditor"] == auditor.pk and body["status"] == "in_progress"
    assert len(body["items"]) == plan.items.count() > 1
    checked = body["items"][0]
    assert checked["id"] == first.pk and checked["result"] == "observation"
    assert checked["observed"] == "記録の一部に日付なし" and checked["checked_by"] == auditor.pk
    assert checked["control_key"] == first.control.key


@pytest.mark.parametrize("reader", ["manager", "president"])
def test_the_protection_manager_and_top_management_read_the_audits(request, client_for, plan, reader):
    # given
    plan, _first = plan
    api = client_for(request.getfixturevalue(reader))
    # when
    listed = api.get("/api/v1/internal-audits/")
    one = api.get(f"/api/v1/internal-audits/{plan.pk}/")
    # then
    assert listed.status_code == 200 and listed.json()["count"] == 1
    assert one.status_code == 200


@pytest.mark.parametrize("reader", ["staff", "alice_contractor", "investigator"])
def test_staff_and_outsiders_get_403_for_the_list_and_404_for_a_plan(request, client_for, plan, reader):
    # given
    plan, _first = plan
    api = client_for(request.getfixturevalue(reader))
    # when
    listed = api.get("/api/v1/internal-audits/")
    one = api.get(f"/api/v1/internal-audits/{plan.pk}/")
    # then
    assert listed.status_code == 403
    assert one.status_code == 404


def test_the_endpoint_is_read_only(client_for, auditor, plan):
    # given
    plan, _first = plan
    api = client_for(auditor)
    # when / then
    assert api.post("/api/v1/internal-audits/", {}, content_type="application/json").status_code == 405
    assert api.put(f"/api/v1/internal-audits/{plan.pk}/", {}, content_type="application/json").status_code == 405
