"""Document control: policies approved by top management, rules by the protection manager; versions kept."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from mamori.pms import services_documents as documents
from mamori.pms.models import DocumentKind


@pytest.mark.django_db
def test_a_policy_is_approved_by_top_management_not_by_the_manager(manager, president) -> None:
    policy_doc = documents.create_document(
        manager, {"number": "P-001", "title": "個人情報保護方針", "kind": DocumentKind.EXTERNAL_POLICY}
    )
    version = documents.draft_version(manager, policy_doc, {"version": "1.0", "published_on": dt.date(2026, 4, 1)})
    with pytest.raises(PermissionDenied):
        documents.approve_version(manager, version)
    documents.approve_version(president, version)
    assert policy_doc.current_version() == version


@pytest.mark.django_db
def test_an_external_policy_needs_its_publication_date(manager, president) -> None:
    policy_doc = documents.create_document(
        manager, {"number": "P-001", "title": "個人情報保護方針", "kind": DocumentKind.EXTERNAL_POLICY}
    )
    version = documents.draft_version(manager, policy_doc, {"version": "1.0"})
    with pytest.raises(ValidationError):
        documents.approve_version(president, version)


@pytest.mark.django_db
def test_a_rule_is_approved_by_the_manager_and_a_new_version_supersedes_it(manager, president) -> None:
    rule = documents.create_document(
        manager, {"number": "R-001", "title": "個人情報保護規程", "kind": DocumentKind.RULE}
    )
    first = documents.draft_version(manager, rule, {"version": "1.0"})
    with pytest.raises(PermissionDenied):
        documents.approve_version(president, first)
    documents.approve_version(manager, first)
    second = documents.draft_version(manager, rule, {"version": "2.0", "summary": "委託先の条項を追加"})
    assert rule.current_version() == first
    documents.approve_version(manager, second)
    assert rule.current_version() == second and rule.versions.count() == 2
    with pytest.raises(ValidationError):
        documents.draft_version(manager, rule, {"version": "2.0"})


@pytest.mark.django_db
def test_staff_see_only_documents_in_force(client_for, manager, staff) -> None:
    rule = documents.create_document(
        manager, {"number": "R-001", "title": "個人情報保護規程", "kind": DocumentKind.RULE}
    )
    documents.draft_version(manager, rule, {"version": "1.0"})
    draft_only = documents.create_document(
        manager, {"number": "R-002", "title": "委託先管理規程", "kind": DocumentKind.RULE}
    )
    documents.draft_version(manager, draft_only, {"version": "0.1"})
    documents.approve_version(manager, rule.versions.get())
    page = client_for(staff).get("/pms/documents/").content.decode()
    assert "個人情報保護規程" in page and "委託先管理規程" not in page
