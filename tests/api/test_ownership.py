"""Contractor users see only their own contractor's records; investigators only invited cases, until
the invitation or their account ends. Other records do not exist for them (lists leave them out,
details are 404) — over the session and over a token alike."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from mamori.incidents.models import IncidentCase

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["session", "token"])
def api_for(request, session_api, token_api):
    return session_api if request.param == "session" else token_api


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_contractor_user_lists_only_its_own_contractor_and_its_cases(world, api_for):
    # given
    users, ids = world
    alice = api_for(users["alice_contractor"])
    # when
    contractors = _ids(alice.get("/api/v1/contractors/"))
    cases = _ids(alice.get("/api/v1/cases/"))
    # then
    assert contractors == {ids["server_co"]}
    assert cases == {ids["server_case"]}


def test_other_contractors_and_internal_records_do_not_exist_for_a_contractor_user(world, api_for):
    # given
    users, ids = world
    alice = api_for(users["alice_contractor"])
    # when / then
    assert alice.get(f"/api/v1/contractors/{ids['logistics_co']}/").status_code == 404
    assert alice.get(f"/api/v1/cases/{ids['internal_case']}/").status_code == 404
    assert alice.patch(f"/api/v1/cases/{ids['internal_case']}/", {"title": "x"}).status_code == 404
    assert alice.get(f"/api/v1/users/{ids['staff']}/").status_code == 404


def test_filters_and_search_do_not_reveal_other_contractors_records(world, api_for):
    # given
    users, ids = world
    alice = api_for(users["alice_contractor"])
    # when
    by_other_contractor = alice.get("/api/v1/cases/", contractor=ids["logistics_co"])
    internal = alice.get("/api/v1/cases/", internal="true")
    by_title = alice.get("/api/v1/cases/", search="社内PC")
    # then
    assert _ids(by_other_contractor) == set()
    assert _ids(internal) == set()
    assert _ids(by_title) == set()


def test_a_case_from_a_contractor_user_belongs_to_its_own_contractor(world, api_for):
    # given
    users, ids = world
    alice = api_for(users["alice_contractor"])
    # when
    response = alice.post("/api/v1/cases/", {"title": "委託先からの報告", "discovered_at": "2026-11-20T09:00:00Z"})
    # then
    assert response.status_code == 201, response.content
    assert response.json()["contractor"] == ids["server_co"]
    assert IncidentCase.objects.get(pk=response.json()["id"]).contractor_id == ids["server_co"]


def test_a_contractor_user_cannot_file_a_case_under_another_contractor(world, api_for):
    # given
    users, ids = world
    alice = api_for(users["alice_contractor"])
    body = {"title": "なりすまし", "discovered_at": "2026-11-20T09:00:00Z", "contractor": ids["logistics_co"]}
    # when
    response = alice.post("/api/v1/cases/", body)
    # then: the other contractor reads as unknown, exactly like an id that does not exist (409: no such record)
    assert response.status_code == 409
    unknown = alice.post("/api/v1/cases/", {**body, "contractor": 999999})
    other_message = response.json()["error"]["fields"]["contractor"][0]
    unknown_message = unknown.json()["error"]["fields"]["contractor"][0]
    assert other_message.replace(str(ids["logistics_co"]), "N") == unknown_message.replace("999999", "N")
    assert not IncidentCase.objects.filter(title="なりすまし").exists()


def test_investigator_sees_only_the_invited_case(world, api_for):
    # given
    users, ids = world
    ivy = api_for(users["investigator"])
    # when / then
    assert _ids(ivy.get("/api/v1/cases/")) == {ids["server_case"]}
    assert ivy.get(f"/api/v1/cases/{ids['internal_case']}/").status_code == 404
    assert ivy.get("/api/v1/contractors/").status_code == 403


def test_investigator_loses_the_case_when_the_invitation_ends(world, api_for, invited):
    # given
    users, ids = world
    ivy = api_for(users["investigator"])
    assert ivy.get(f"/api/v1/cases/{ids['server_case']}/").status_code == 200
    # when
    invited.expires_at = timezone.now() - dt.timedelta(minutes=1)
    invited.save()
    # then
    assert _ids(ivy.get("/api/v1/cases/")) == set()
    assert ivy.get(f"/api/v1/cases/{ids['server_case']}/").status_code == 404


def test_investigator_is_signed_out_of_the_api_when_the_account_access_ends(world, api_for):
    # given
    users, _ = world
    ivy_user = users["investigator"]
    ivy = api_for(ivy_user)
    # when
    ivy_user.access_expires_at = timezone.now() - dt.timedelta(minutes=1)
    ivy_user.save()
    # then
    response = ivy.get("/api/v1/cases/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] in {"not_authenticated", "authentication_failed"}


def test_describing_a_record_with_options_follows_the_same_rules(world, session_api):
    # given
    users, ids = world
    bob = session_api(users["bob_logistics"])
    manager = session_api(users["manager"])
    # when
    unseen = bob.client.options(f"/api/v1/contractors/{ids['server_co']}/")
    own = bob.client.options(f"/api/v1/contractors/{ids['logistics_co']}/")
    listing_for_bob = bob.client.options("/api/v1/contractors/")
    listing_for_manager = manager.client.options("/api/v1/contractors/")
    # then: only roles that may add are shown how to add
    assert unseen.status_code == 404
    assert own.status_code == 200
    assert "actions" not in listing_for_bob.json()
    assert "POST" in listing_for_manager.json()["actions"]
