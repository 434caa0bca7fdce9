"""Every scoping page and endpoint × every role: exactly the access the policy grants.

The protection manager defines, runs, exports and archives; top management reads and exports; the internal
auditor reads; an invited investigator reads the invited case's scopings; staff only use the inquiry desk;
contractor users nothing (the affected list is the company's, not the contractor's). ``{scoping}`` belongs to
alice's contractor's case (ivy is invited to it), ``{internal}`` to the company's own case.
"""

from __future__ import annotations

import datetime as dt

import pytest

from mamori.scoping.models import AffectedPerson, Scoping, ScopingStatus
from tests.matrix import ROLES, matrix_tests

#                                                   president manager auditor staff alice  bob  ivy
GET_MATRIX: dict[str, tuple[int, ...]] = {
    "/scoping/cases/{case}/": (200, 200, 200, 403, 403, 404, 200),
    "/scoping/cases/{internal_case}/": (200, 200, 200, 403, 404, 404, 404),
    "/scoping/{scoping}/": (200, 200, 200, 404, 404, 404, 200),
    "/scoping/{internal}/": (200, 200, 200, 404, 404, 404, 404),
    "/scoping/{scoping}/people/": (200, 200, 200, 404, 404, 404, 200),
    "/scoping/{internal}/people/?q=taro": (200, 200, 200, 404, 404, 404, 404),
    "/scoping/{scoping}/export/": (200, 200, 403, 404, 404, 404, 403),
    "/scoping/{internal}/export/": (200, 200, 403, 404, 404, 404, 404),
    "/scoping/99999/": (404, 404, 404, 404, 404, 404, 404),
    "/scoping/inquiry/": (200, 200, 403, 200, 403, 403, 403),
    "/api/v1/scopings/": (200, 200, 200, 403, 403, 403, 200),
    "/api/v1/scopings/{scoping}/": (200, 200, 200, 404, 404, 404, 200),
    "/api/v1/scopings/{internal}/": (200, 200, 200, 404, 404, 404, 404),
    "/api/v1/scopings/{scoping}/people/": (200, 200, 200, 404, 404, 404, 200),
    "/api/v1/scopings/{scoping}/export/": (200, 200, 403, 404, 404, 404, 403),
}

POST_MATRIX: dict[str, tuple[int, ...]] = {
    # an empty form: the manager gets the page again with the errors; nobody else gets that far
    "/scoping/cases/{case}/": (403, 200, 403, 403, 403, 404, 403),
    "/scoping/cases/{internal_case}/": (403, 200, 403, 403, 404, 404, 404),
    "/scoping/{scoping}/archive/": (403, 302, 403, 404, 404, 404, 403),
    "/scoping/{internal}/archive/": (403, 302, 403, 404, 404, 404, 404),
    "/scoping/inquiry/": (200, 200, 403, 200, 403, 403, 403),
    # a bare POST is an empty body (issue 16): 400 naming the missing fields once the role is allowed
    "/api/v1/scopings/": (403, 400, 403, 403, 403, 403, 403),
    "/api/v1/scopings/preview/": (403, 400, 403, 403, 403, 403, 403),
    "/api/v1/scopings/payment-methods/": (403, 400, 403, 403, 403, 403, 403),
    "/api/v1/scopings/{scoping}/archive/": (403, 400, 403, 404, 404, 404, 403),
    "/api/v1/scoping-inquiries/": (400, 400, 403, 400, 403, 403, 403),
}


def _scoping(case) -> Scoping:
    scoping = Scoping.objects.create(
        case=case,
        version=1,
        preset="eccube2",
        mapping={"table": "dtb_order", "date_column": "create_date", "payment_ids": [5]},
        window_from=dt.date(2017, 5, 2),
        window_to=dt.date(2018, 6, 20),
        status=ScopingStatus.SUCCEEDED,
        people_count=1,
        orders_count=2,
    )
    AffectedPerson.objects.create(scoping=scoping, identity="member:1", member_id="1", name="山田 太郎", orders=2)
    return scoping


@pytest.fixture
def world(request, server_case, internal_case, invited):
    users = {name: request.getfixturevalue(name) for name in ROLES}
    ids = {
        "case": server_case.pk,
        "internal_case": internal_case.pk,
        "scoping": _scoping(server_case).pk,
        "internal": _scoping(internal_case).pk,
    }
    return users, ids


test_get_access, test_post_access, test_anonymous_visitors_are_sent_to_sign_in = matrix_tests(
    GET_MATRIX, POST_MATRIX, [*GET_MATRIX, *POST_MATRIX]
)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/v1/scopings/", 400),
        ("/api/v1/scopings/preview/", 400),
        ("/api/v1/scopings/payment-methods/", 400),
        ("/api/v1/scopings/{scoping}/archive/", 400),
        ("/api/v1/scoping-inquiries/", 400),
    ],
)
def test_an_empty_json_body_is_a_400_naming_the_fields(world, client_for, path, expected):
    users, ids = world
    response = client_for(users["manager"]).post(path.format(**ids), {}, content_type="application/json")
    assert response.status_code == expected, response.content
