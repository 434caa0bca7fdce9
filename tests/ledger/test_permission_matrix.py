"""Every ledger page × every role: exactly the access the policy grants (200 / 302 / 403 / 404).

Contractor users see the entries their contractor is named on; other entries do not exist for them
(404). Investigators have nothing to do with the ledger.
"""

from __future__ import annotations

import pytest

from mamori.ledger.models import DataCategory
from tests.matrix import ROLES, matrix_tests

GET_MATRIX: dict[str, tuple[int, ...]] = {
    "/ledger/": (200, 200, 200, 200, 200, 200, 403),
    "/ledger/?overdue=1&department=EC課&category=name&contractor={server_co}&q=通販": (
        200,
        200,
        200,
        200,
        200,
        200,
        403,
    ),
    "/ledger/new/": (403, 200, 403, 403, 403, 403, 403),
    "/ledger/{server_entry}/": (200, 200, 200, 200, 200, 404, 404),
    "/ledger/{internal_entry}/": (200, 200, 200, 200, 404, 404, 404),
    "/ledger/{server_entry}/edit/": (403, 200, 403, 403, 403, 404, 404),
    "/ledger/{internal_entry}/edit/": (403, 200, 403, 403, 404, 404, 404),
    "/ledger/{server_entry}/history/": (200, 200, 200, 200, 200, 404, 404),
    "/ledger/{internal_entry}/history/": (200, 200, 200, 200, 404, 404, 404),
    "/ledger/99999/": (404, 404, 404, 404, 404, 404, 404),
    "/ledger/import/": (403, 200, 403, 403, 403, 403, 403),
    "/ledger/export.xlsx": (200, 200, 200, 403, 403, 403, 403),
    "/ledger/export.csv": (200, 200, 200, 403, 403, 403, 403),
    "/ledger/categories/": (200, 200, 200, 200, 403, 403, 403),
    "/api/v1/ledger-entries/": (200, 200, 200, 200, 200, 200, 403),
    "/api/v1/ledger-entries/{server_entry}/": (200, 200, 200, 200, 200, 404, 404),
    "/api/v1/ledger-entries/{internal_entry}/": (200, 200, 200, 200, 404, 404, 404),
    "/api/v1/ledger-entries/{server_entry}/history/": (200, 200, 200, 200, 200, 404, 404),
    "/api/v1/ledger-entries/{internal_entry}/history/": (200, 200, 200, 200, 404, 404, 404),
    "/api/v1/data-categories/": (200, 200, 200, 200, 403, 403, 403),
    "/api/v1/data-categories/{category}/": (200, 200, 200, 200, 404, 404, 404),
}

POST_MATRIX: dict[str, tuple[int, ...]] = {
    "/ledger/{server_entry}/review/": (403, 302, 403, 403, 403, 404, 404),
    "/ledger/{internal_entry}/review/": (403, 302, 403, 403, 404, 404, 404),
    "/ledger/{server_entry}/delete/": (403, 302, 403, 403, 403, 404, 404),
    "/ledger/{internal_entry}/delete/": (403, 302, 403, 403, 404, 404, 404),
    "/ledger/import/": (403, 400, 403, 403, 403, 403, 403),  # 400: no file sent
    "/api/v1/ledger-entries/{server_entry}/review/": (403, 200, 403, 403, 403, 404, 404),
    "/api/v1/ledger-entries/{internal_entry}/review/": (403, 200, 403, 403, 404, 404, 404),
    "/api/v1/ledger-entries/import/": (403, 400, 403, 403, 403, 403, 403),  # 400: no file sent
}


@pytest.fixture
def world(request, server_co, logistics_co, server_entry, internal_entry):
    users = {name: request.getfixturevalue(name) for name in ROLES}
    ids = {
        "server_co": server_co.pk,
        "server_entry": server_entry.pk,
        "internal_entry": internal_entry.pk,
        "category": DataCategory.objects.filter(active=True).order_by("pk").first().pk,
    }
    return users, ids


test_get_access, test_post_access, test_anonymous_visitors_are_sent_to_sign_in = matrix_tests(
    GET_MATRIX, POST_MATRIX, [*GET_MATRIX, *POST_MATRIX]
)


@pytest.mark.django_db
def test_a_contractor_user_lists_only_the_entries_of_its_own_contractor(world, client_for, logistics_entry):
    # given
    users, _ = world
    # when
    alice = client_for(users["alice_contractor"]).get("/ledger/").content.decode()
    bob = client_for(users["bob_logistics"]).get("/ledger/").content.decode()
    # then
    assert "通販会員情報" in alice and "配送伝票" not in alice and "従業員名簿" not in alice
    assert "配送伝票" in bob and "通販会員情報" not in bob and "従業員名簿" not in bob


@pytest.mark.django_db
def test_a_contractor_user_cannot_find_other_entries_through_the_filters(world, client_for, logistics_entry):
    # given
    users, _ = world
    alice = client_for(users["alice_contractor"])
    # when
    by_search = alice.get("/ledger/", {"q": "配送"}).content.decode()
    by_contractor = alice.get("/ledger/", {"contractor": logistics_entry.contractors.get().pk}).content.decode()
    # then
    assert "配送伝票" not in by_search and "配送伝票" not in by_contractor
    assert "関西ロジスティクス" not in by_contractor  # the contractor filter lists only visible contractors


@pytest.mark.django_db
def test_reviewing_an_entry_needs_a_post(world, client_for):
    users, ids = world
    response = client_for(users["manager"]).get(f"/ledger/{ids['server_entry']}/review/")
    assert response.status_code == 405


@pytest.mark.django_db
def test_a_shared_entry_does_not_tell_a_contractor_user_about_the_other_contractor(
    world, client_for, server_entry, logistics_co
):
    # given: the shop customers are also handed to the delivery contractor
    from mamori.accounts.policy import SYSTEM
    from mamori.ledger import services

    services.update_entry(SYSTEM, server_entry, {"contractors": [*server_entry.contractors.all(), logistics_co]})
    users, ids = world
    alice = client_for(users["alice_contractor"])
    # when
    pages = [alice.get(p).content.decode() for p in ("/ledger/", f"/ledger/{ids['server_entry']}/")]
    history = alice.get(f"/ledger/{ids['server_entry']}/history/").content.decode()
    # then
    assert all("なにわシステムサービス" in page for page in pages)
    assert all("関西ロジスティクス" not in page for page in [*pages, history])
    manager_page = client_for(users["manager"]).get(f"/ledger/{ids['server_entry']}/").content.decode()
    assert "関西ロジスティクス" in manager_page
