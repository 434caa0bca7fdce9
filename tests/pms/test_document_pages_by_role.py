"""Document pages per role: top management finds the policy it must approve, the internal auditor reads drafts
and withdrawn documents (document control is audited), staff read only what is in force."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from mamori.pms import services_documents as documents
from mamori.pms.models import DocumentKind


@pytest.fixture
def drafted_policy(manager):
    document = documents.create_document(
        manager, {"number": "P-009", "title": "新しい個人情報保護方針", "kind": DocumentKind.EXTERNAL_POLICY}
    )
    documents.draft_version(manager, document, {"version": "1.0", "published_on": dt.date(2027, 4, 1)})
    return document


@pytest.mark.django_db
def test_top_management_finds_the_policy_awaiting_its_approval_and_approves_it(
    client_for, president, drafted_policy
) -> None:
    # given a policy drafted by the manager, never approved
    client = client_for(president)
    # when top management opens the document list and the policy
    listing = client.get(reverse("pms:documents")).content.decode()
    page = client.get(reverse("pms:document_detail", args=[drafted_policy.pk])).content.decode()
    # then the draft is listed and its page offers the approval
    assert "P-009" in listing
    version = drafted_policy.versions.get()
    assert reverse("pms:version_approve", args=[version.pk]) in page
    # and approving from the page puts it in force
    client.post(reverse("pms:version_approve", args=[version.pk]))
    assert drafted_policy.current_version() == version


@pytest.mark.django_db
def test_the_internal_auditor_reads_drafts_but_cannot_approve_them(client_for, auditor, drafted_policy) -> None:
    # given a policy awaiting approval
    client = client_for(auditor)
    # when the auditor opens the list and the policy
    listing = client.get(reverse("pms:documents")).content.decode()
    page = client.get(reverse("pms:document_detail", args=[drafted_policy.pk])).content.decode()
    # then the draft is there to audit, without an approval button
    version = drafted_policy.versions.get()
    assert "P-009" in listing and "1.0" in page
    assert reverse("pms:version_approve", args=[version.pk]) not in page


@pytest.mark.django_db
def test_staff_read_only_what_is_in_force(client_for, staff, drafted_policy) -> None:
    # given a policy not yet approved
    client = client_for(staff)
    # when staff open the document list
    listing = client.get(reverse("pms:documents")).content.decode()
    # then the draft is not shown to them
    assert "P-009" not in listing


@pytest.mark.django_db
def test_staff_cannot_open_a_draft_by_its_address(client_for, staff, drafted_policy) -> None:
    # given a policy not yet approved, whose address staff might have been sent
    client = client_for(staff)
    # when staff open it
    response = client.get(reverse("pms:document_detail", args=[drafted_policy.pk]))
    # then it is not found for them, as in the list and the API
    assert response.status_code == 404
