"""Every card-list page and endpoint × every role: exactly the access the policy grants.

The protection manager imports, matches, archives and exports; top management and the internal audit manager
read; an invited investigator reads the lists of the invited case only; staff and contractor users have nothing
to do with card lists (the pages of a list do not exist for them: 404).
"""

from __future__ import annotations

import datetime as dt

import pytest

from mamori.cardlists.models import CardList
from tests.matrix import ROLES, matrix_tests

GET_MATRIX: dict[str, tuple[int, ...]] = {
    "/cardlists/": (200, 200, 200, 403, 403, 403, 200),
    "/cardlists/?case={server_case}": (200, 200, 200, 403, 403, 403, 200),
    "/cardlists/import/": (403, 200, 403, 403, 403, 403, 403),
    "/cardlists/{server_list}/": (200, 200, 200, 404, 404, 404, 200),
    "/cardlists/{internal_list}/": (200, 200, 200, 404, 404, 404, 404),
    "/cardlists/{server_list}/matches.csv": (403, 200, 403, 404, 404, 404, 403),
    "/cardlists/{internal_list}/matches.csv": (403, 200, 403, 404, 404, 404, 404),
    "/cardlists/99999/": (404, 404, 404, 404, 404, 404, 404),
    "/api/v1/card-lists/": (200, 200, 200, 403, 403, 403, 200),
    "/api/v1/card-lists/{server_list}/": (200, 200, 200, 404, 404, 404, 200),
    "/api/v1/card-lists/{internal_list}/": (200, 200, 200, 404, 404, 404, 404),
    "/api/v1/card-lists/{server_list}/matches/": (200, 200, 200, 404, 404, 404, 200),
    "/api/v1/card-lists/{internal_list}/matches/": (200, 200, 200, 404, 404, 404, 404),
    "/api/v1/card-lists/{server_list}/export/": (403, 200, 403, 404, 404, 404, 403),
}

POST_MATRIX: dict[str, tuple[int, ...]] = {
    "/cardlists/import/": (403, 400, 403, 403, 403, 403, 403),  # 400: no file sent
    "/cardlists/{server_list}/match/": (403, 302, 403, 404, 404, 404, 403),
    "/cardlists/{internal_list}/match/": (403, 302, 403, 404, 404, 404, 404),
    "/cardlists/{server_list}/archive/": (403, 302, 403, 404, 404, 404, 403),  # 302: no reason, said on the page
    "/api/v1/card-lists/": (403, 400, 403, 403, 403, 403, 403),  # 400: no file sent
    "/api/v1/card-lists/{server_list}/match/": (403, 202, 403, 404, 404, 404, 403),
    "/api/v1/card-lists/{internal_list}/match/": (403, 202, 403, 404, 404, 404, 404),
    "/api/v1/card-lists/{server_list}/archive/": (403, 400, 403, 404, 404, 404, 403),  # 400: no reason
}


def _list(case) -> CardList:
    return CardList.objects.create(
        case=case,
        received_from="JCB",
        received_at=dt.date(2018, 7, 1),
        file_name="list.csv",
        file_sha256="0" * 64,
        rows=1,
        accepted=1,
    )


@pytest.fixture
def world(request, server_case, internal_case, invited):
    users = {name: request.getfixturevalue(name) for name in ROLES}
    ids = {
        "server_case": server_case.pk,
        "server_list": _list(server_case).pk,
        "internal_list": _list(internal_case).pk,
    }
    return users, ids


test_get_access, test_post_access, test_anonymous_visitors_are_sent_to_sign_in = matrix_tests(
    GET_MATRIX, POST_MATRIX, [*GET_MATRIX, *POST_MATRIX]
)


@pytest.mark.django_db
def test_an_investigator_lists_only_the_invited_cases_lists(world, client_for):
    # given
    users, ids = world
    # when
    listed = client_for(users["investigator"]).get("/api/v1/card-lists/").json()
    # then
    assert [row["id"] for row in listed["results"]] == [ids["server_list"]]


@pytest.mark.django_db
def test_matching_and_archiving_need_a_post(world, client_for):
    users, ids = world
    manager = client_for(users["manager"])
    assert manager.get(f"/cardlists/{ids['server_list']}/match/").status_code == 405
    assert manager.get(f"/cardlists/{ids['server_list']}/archive/").status_code == 405


@pytest.mark.django_db
def test_there_is_no_delete(world, client_for):
    users, ids = world
    response = client_for(users["manager"]).delete(f"/api/v1/card-lists/{ids['server_list']}/")
    assert response.status_code == 405
    assert CardList.objects.filter(pk=ids["server_list"]).exists()
