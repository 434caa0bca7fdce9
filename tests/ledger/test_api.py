"""The ledger over the API: the same rules, history and audit trail as the UI; contractor users see only
the entries their contractor is named on — over a session and over a token alike."""

from __future__ import annotations

import pytest

from mamori.audit.models import AuditEntry
from mamori.ledger.models import LedgerEntry
from tests.api.conftest import _fresh_throttle_counts, session_api, token_api  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

ROLES = ["president", "manager", "auditor", "staff", "alice_contractor", "bob_logistics", "investigator"]
URL = "/api/v1/ledger-entries/"


@pytest.fixture(params=["session", "token"])
def api_for(request, session_api, token_api):  # noqa: F811
    return session_api if request.param == "session" else token_api


@pytest.fixture
def world(request, server_entry, logistics_entry, internal_entry):
    users = {name: request.getfixturevalue(name) for name in ROLES}
    return users, {"server": server_entry.pk, "logistics": logistics_entry.pk, "internal": internal_entry.pk}


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# ---------------------------------------------------------------------------------------------- ownership


def test_a_contractor_user_lists_only_the_entries_of_its_own_contractor(world, api_for):
    # given
    users, ids = world
    # when
    alice = _ids(api_for(users["alice_contractor"]).get(URL))
    bob = _ids(api_for(users["bob_logistics"]).get(URL))
    manager = _ids(api_for(users["manager"]).get(URL))
    # then
    assert alice == {ids["server"]}
    assert bob == {ids["logistics"]}
    assert manager == set(ids.values())


def test_other_entries_do_not_exist_for_a_contractor_user(world, api_for):
    # given
    users, ids = world
    alice = api_for(users["alice_contractor"])
    # when / then
    assert alice.get(f"{URL}{ids['logistics']}/").status_code == 404
    assert alice.get(f"{URL}{ids['internal']}/").status_code == 404
    assert alice.get(f"{URL}{ids['internal']}/history/").status_code == 404
    assert alice.patch(f"{URL}{ids['internal']}/", {"name": "x"}).status_code == 404
    assert alice.post(f"{URL}{ids['internal']}/review/", {}).status_code == 404
    assert alice.get(f"{URL}{ids['server']}/").status_code == 200


def test_filters_and_search_do_not_reveal_other_entries(world, api_for, logistics_co):
    # given
    users, _ = world
    alice = api_for(users["alice_contractor"])
    # when / then
    assert _ids(alice.get(URL, contractor=logistics_co.pk)) == set()
    assert _ids(alice.get(URL, search="従業員")) == set()
    assert _ids(alice.get(URL, department="総務部")) == set()


def test_a_contractor_user_may_read_its_entries_but_not_change_them(world, api_for):
    users, ids = world
    alice = api_for(users["alice_contractor"])
    assert alice.patch(f"{URL}{ids['server']}/", {"name": "x"}).status_code == 403
    assert alice.delete(f"{URL}{ids['server']}/").status_code == 403
    assert alice.post(URL, {"name": "x", "department": "y"}).status_code == 403


@pytest.mark.parametrize(
    ("role", "list_status", "create_status"),
    [
        ("president", 200, 403),
        ("manager", 200, 201),
        ("auditor", 200, 403),
        ("staff", 200, 403),
        ("alice_contractor", 200, 403),
        ("investigator", 403, 403),
    ],
)
def test_each_role_gets_what_the_policy_grants(world, session_api, role, list_status, create_status):  # noqa: F811
    users, _ = world
    api = session_api(users[role])
    assert api.get(URL).status_code == list_status
    assert api.post(URL, {"name": "新しい台帳", "department": "総務部"}).status_code == create_status


# ---------------------------------------------------------------------------------------------- writes


def test_a_manager_creates_updates_reviews_and_reads_the_history(world, session_api, server_co):  # noqa: F811
    # given
    users, _ = world
    api = session_api(users["manager"])
    # when
    created = api.post(
        URL,
        {
            "name": "キャンペーン応募者",
            "department": "営業部",
            "categories": ["name", "email", "address"],
            "contractors": [server_co.pk],
            "last_reviewed": "2026-01-15",
        },
    )
    entry_id = created.json()["id"]
    changed = api.patch(f"{URL}{entry_id}/", {"purposes": "賞品の発送", "categories": ["name", "email"]})
    reviewed = api.post(f"{URL}{entry_id}/review/", {"reviewed_on": "2026-11-01", "note": "問題なし"})
    history = api.get(f"{URL}{entry_id}/history/")
    # then
    assert created.status_code == 201, created.content
    assert created.json()["reference"] == "PI-0004" and created.json()["next_review_due"] == "2027-01-15"
    assert changed.status_code == 200 and changed.json()["categories"] == ["name", "email"]
    assert reviewed.status_code == 200 and reviewed.json()["next_review_due"] == "2027-11-01"
    revisions = history.json()
    assert [r["number"] for r in revisions] == [3, 2, 1]
    assert "2026-11-01" in revisions[0]["summary"] and "問題なし" in revisions[0]["summary"]
    assert revisions[1]["snapshot"]["purposes"] == "賞品の発送"
    entry = LedgerEntry.objects.get(pk=entry_id)
    assert AuditEntry.objects.filter(object_type="ledger.ledgerentry", object_id=str(entry.pk)).count() == 3


def test_unknown_categories_and_invisible_contractors_are_field_errors(world, session_api, logistics_co):  # noqa: F811
    users, _ = world
    api = session_api(users["manager"])
    response = api.post(URL, {"name": "x", "department": "y", "categories": ["hobby"], "contractors": [999999]})
    assert response.status_code == 409  # well formed, naming records that do not exist (issue 16: a conflict)
    assert set(response.json()["error"]["fields"]) == {"categories", "contractors"}


def test_a_duplicate_name_in_the_same_department_is_a_400(world, session_api):  # noqa: F811
    users, _ = world
    response = session_api(users["manager"]).post(URL, {"name": "通販会員情報", "department": "EC課"})
    assert response.status_code == 400
    assert LedgerEntry.objects.filter(name="通販会員情報").count() == 1


# ---------------------------------------------------------------------------------------------- categories


def test_the_catalogue_is_readable_but_not_writable(world, session_api):  # noqa: F811
    users, _ = world
    api = session_api(users["staff"])
    listing = api.get("/api/v1/data-categories/", card_data="true")
    assert listing.status_code == 200
    codes = {row["code"] for row in listing.json()["results"]}
    assert {"card-number", "card-security-code", "card-expiry"} <= codes
    assert api.post("/api/v1/data-categories/", {"code": "x", "name": "x"}).status_code in (403, 405)
    assert session_api(users["alice_contractor"]).get("/api/v1/data-categories/").status_code == 403


def test_a_shared_entry_does_not_tell_a_contractor_user_about_the_other_contractor(world, api_for, logistics_co):
    # given
    from mamori.accounts.policy import SYSTEM
    from mamori.ledger import services

    users, ids = world
    entry = LedgerEntry.objects.get(pk=ids["server"])
    services.update_entry(SYSTEM, entry, {"contractors": [*entry.contractors.all(), logistics_co]})
    alice = api_for(users["alice_contractor"])
    # when
    detail = alice.get(f"{URL}{ids['server']}/").json()
    history = alice.get(f"{URL}{ids['server']}/history/").json()
    # then
    assert logistics_co.pk not in detail["contractors"] and detail["contractor_names"] == ["なにわシステムサービス"]
    assert all("関西ロジスティクス" not in r["snapshot"]["contractors"] for r in history)
    manager = api_for(users["manager"]).get(f"{URL}{ids['server']}/").json()
    assert logistics_co.pk in manager["contractors"]
