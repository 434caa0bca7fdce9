"""Documents over the API, read-only: /api/v1/documents/. Staff read only documents in force and their approved
versions; the protection manager, top management and the internal auditor read drafts and withdrawn documents too
(the rule of the document pages); outsiders read nothing."""

from __future__ import annotations

import pytest

from mamori.accounts.roles import Role
from mamori.pms import services_documents as documents
from mamori.pms.models import DocumentKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(manager):
    in_force = documents.create_document(
        manager, {"number": "R-001", "title": "個人情報保護規程", "kind": DocumentKind.RULE}
    )
    approved = documents.draft_version(manager, in_force, {"version": "1.0"})
    documents.approve_version(manager, approved)
    draft = documents.draft_version(manager, in_force, {"version": "2.0", "summary": "委託先の条項を追加"})
    draft_only = documents.create_document(
        manager, {"number": "R-002", "title": "委託先管理規程", "kind": DocumentKind.RULE}
    )
    documents.draft_version(manager, draft_only, {"version": "0.1"})
    withdrawn = documents.create_document(manager, {"number": "R-003", "title": "旧規程", "kind": DocumentKind.RULE})
    documents.approve_version(manager, documents.draft_version(manager, withdrawn, {"version": "1.0"}))
    documents.withdraw_document(manager, withdrawn, "統合した")
    return {
        "in_force": in_force,
        "approved": approved,
        "draft": draft,
        "draft_only": draft_only,
        "withdrawn": withdrawn,
    }


def test_staff_read_only_documents_in_force_and_their_approved_versions(client_for, staff, library):
    # given
    api = client_for(staff)
    # when
    listed = api.get("/api/v1/documents/")
    one = api.get(f"/api/v1/documents/{library['in_force'].pk}/")
    # then
    assert [d["number"] for d in listed.json()["results"]] == ["R-001"]
    assert [v["version"] for v in one.json()["versions"]] == ["1.0"]
    assert one.json()["current_version"] == library["approved"].pk and one.json()["in_force"] is True
    assert api.get(f"/api/v1/documents/{library['draft_only'].pk}/").status_code == 404
    assert api.get(f"/api/v1/documents/{library['withdrawn'].pk}/").status_code == 404


@pytest.mark.parametrize("reader", ["manager", "president", "auditor"])
def test_those_who_keep_approve_or_audit_documents_read_drafts_and_withdrawn_ones(request, client_for, library, reader):
    # given
    api = client_for(request.getfixturevalue(reader))
    # when
    listed = api.get("/api/v1/documents/")
    one = api.get(f"/api/v1/documents/{library['in_force'].pk}/")
    # then
    rows = {d["number"]: d for d in listed.json()["results"]}
    assert set(rows) == {"R-001", "R-002", "R-003"}
    assert rows["R-002"]["current_version"] is None and rows["R-002"]["in_force"] is False
    assert rows["R-003"]["in_force"] is False and rows["R-003"]["withdraw_reason"] == "統合した"
    assert [v["version"] for v in one.json()["versions"]] == ["2.0", "1.0"]
    draft = one.json()["versions"][0]
    assert draft["approved_at"] is None and draft["summary"] == "委託先の条項を追加"
    assert one.json()["current_version"] == library["approved"].pk


@pytest.mark.parametrize("reader", ["alice_contractor", "investigator"])
def test_outsiders_get_403_for_the_list_and_404_for_a_document(request, client_for, library, reader):
    # given
    api = client_for(request.getfixturevalue(reader))
    # when
    listed = api.get("/api/v1/documents/")
    one = api.get(f"/api/v1/documents/{library['in_force'].pk}/")
    # then
    assert listed.status_code == 403
    assert one.status_code == 404


def test_the_kind_filter_and_search_narrow_the_list(client_for, manager, library):
    # given
    documents.create_document(
        manager, {"number": "P-001", "title": "個人情報保護方針", "kind": DocumentKind.EXTERNAL_POLICY}
    )
    api = client_for(manager)
    # when
    policies = api.get("/api/v1/documents/?kind=external_policy")
    found = api.get("/api/v1/documents/?search=委託先")
    # then
    assert [d["number"] for d in policies.json()["results"]] == ["P-001"]
    assert [d["number"] for d in found.json()["results"]] == ["R-002"]


def test_those_who_keep_approve_or_audit_documents_oversee_them_and_no_one_else(django_user_model):
    # given one user per role
    overseers = {Role.PROTECTION_MANAGER, Role.TOP_MANAGEMENT, Role.AUDIT_MANAGER}
    for role in Role:
        user = django_user_model(username=f"u-{role}", role=role)
        # when / then: the one rule the document pages and the API both ask
        assert documents.oversees(user) == (role in overseers), role
