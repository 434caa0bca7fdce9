"""The supervision endpoints answer as the pages do: warnings for the manager, contracts with their missing
clauses, manual versions with hashes, and acknowledgement by the contractor's own users only."""

from __future__ import annotations

import pytest

from mamori.accounts.policy import SYSTEM
from mamori.contractors import manual
from mamori.contractors.models import ManualAcknowledgement


@pytest.mark.django_db
def test_the_warnings_endpoint_lists_the_missing_clauses(client_for, manager, server_co, card_entry, bare_contract):
    # when
    body = client_for(manager).get("/api/v1/contractor-warnings/").json()
    # then a plain list, as the schema says (not pages)
    assert isinstance(body, list)
    assert [(r["contractor_id"], r["kind"]) for r in body] == [(server_co.pk, "incident_clauses")]


@pytest.mark.django_db
def test_a_contract_lists_its_missing_incident_clauses(client_for, auditor, bare_contract):
    body = client_for(auditor).get(f"/api/v1/contractor-contracts/{bare_contract.pk}/").json()
    assert "no_deletion_without_consent" in body["missing_incident_clauses"]
    assert body["checklist"]["a_responsibilities"]["present"] is True


@pytest.mark.django_db
def test_alice_acknowledges_over_the_api_and_bob_sees_nothing(client_for, alice_contractor, bob_logistics, server_co):
    # given
    version = manual.generate(SYSTEM, server_co)
    # when
    bob_list = client_for(bob_logistics).get("/api/v1/contractor-manuals/").json()
    response = client_for(alice_contractor).post(f"/api/v1/contractor-manuals/{version.pk}/acknowledge/")
    # then
    bob_rows = bob_list["results"] if isinstance(bob_list, dict) else bob_list
    assert bob_rows == []
    assert response.status_code == 200
    assert response.json()["pdf_sha256"] == version.pdf_sha256
    assert response.json()["acknowledged_at"]
    assert ManualAcknowledgement.objects.get().acknowledged_by == alice_contractor


@pytest.mark.django_db
def test_a_second_acknowledgement_is_a_clear_400(client_for, alice_contractor, server_co):
    version = manual.generate(SYSTEM, server_co)
    alice = client_for(alice_contractor)
    alice.post(f"/api/v1/contractor-manuals/{version.pk}/acknowledge/")
    response = alice.post(f"/api/v1/contractor-manuals/{version.pk}/acknowledge/")
    assert response.status_code == 400
    assert "Already acknowledged" in response.content.decode()
