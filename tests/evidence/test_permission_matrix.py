"""Every evidence page and endpoint × every role: exactly what the policy grants (200 / 302 / 400 / 403 / 404).

``{server_case}`` is alice's contractor's case (ivy is invited to it), ``{internal_case}`` the company's own.
``{log_file}`` was uploaded by the manager, ``{alice_file}`` by alice: contractor users see only what their own
company added (incidents/portal.py). ``{copy}`` is a preserved copy: opening it needs READ_PRESERVED (the
manager and the invited investigator). POSTs carry no form, so an allowed one ends in its "say what is missing"
answer (302 back to the page, or 400 from the API).
"""

from __future__ import annotations

import pytest

from mamori.incidents import hold
from tests.evidence.conftest import add_copy, add_file
from tests.matrix import OK, ROLES, matrix_tests

#                                               president manager auditor staff alice bob   ivy
GET_MATRIX: dict[str, tuple[int, ...]] = {
    "/evidence/cases/{server_case}/": (200, 200, 200, 200, 200, 404, 200),
    "/evidence/cases/{internal_case}/": (200, 200, 200, 200, 404, 404, 404),
    "/evidence/{log_file}/": (200, 200, 200, 200, 404, 404, 200),
    "/evidence/{alice_file}/": (200, 200, 200, 200, 200, 404, 200),
    "/evidence/{internal_file}/": (200, 200, 200, 200, 404, 404, 404),
    "/evidence/{log_file}/download/": (200, 200, 200, 200, 404, 404, 200),
    "/evidence/{copy}/download/": (403, 200, 403, 403, 404, 404, 200),
    "/evidence/99999/": (404, 404, 404, 404, 404, 404, 404),
    "/api/v1/evidence/": (200, 200, 200, 200, 200, 200, 200),
    "/api/v1/evidence/{log_file}/": (200, 200, 200, 200, 404, 404, 200),
    "/api/v1/evidence/{alice_file}/": (200, 200, 200, 200, 200, 404, 200),
    "/api/v1/evidence/{internal_file}/": (200, 200, 200, 200, 404, 404, 404),
}

POST_MATRIX: dict[str, tuple[int, ...]] = {
    "/evidence/cases/{server_case}/upload/": (403, 302, 403, 302, 302, 404, 403),
    "/evidence/cases/{internal_case}/upload/": (403, 302, 403, 302, 404, 404, 404),
    "/evidence/cases/{server_case}/records/": (403, 302, 403, 302, 302, 404, 403),
    "/evidence/cases/{server_case}/hold/release/": (403, 302, 403, 403, 403, 404, 403),
    "/evidence/cases/{server_case}/hold/place/": (302, 302, 403, 403, 403, 404, 403),
    "/evidence/hold-releases/{release}/approve/": (403, 302, 403, 403, 403, 404, 403),
    "/evidence/hold-releases/{release}/withdraw/": (403, 302, 403, 403, 403, 404, 403),
    "/evidence/{log_file}/download/": (OK, OK, OK, OK, 404, 404, OK),  # a reason is optional for uploads
    "/evidence/{copy}/download/": (403, 200, 403, 403, 404, 404, 200),  # 200: the form again, asking why
    "/evidence/{copy}/destroy/": (403, 302, 403, 403, 404, 404, 403),
    "/evidence/{record}/transfer/": (403, 302, 403, 403, 404, 404, 403),
    "/api/v1/evidence/": (403, 400, 403, 400, 400, 400, 403),
    "/api/v1/evidence/{log_file}/download/": (OK, OK, OK, OK, 404, 404, OK),
    "/api/v1/evidence/{copy}/download/": (403, 400, 403, 403, 404, 404, 400),
    "/api/v1/evidence/{copy}/destroy/": (403, 400, 403, 403, 404, 404, 403),
}


@pytest.fixture
def world(request, server_case, internal_case, invited, manager, alice_contractor, record):
    users = {name: request.getfixturevalue(name) for name in ROLES}
    ids = {
        "server_case": server_case.pk,
        "internal_case": internal_case.pk,
        "log_file": add_file(server_case, b"web log", actor=manager).pk,
        "alice_file": add_file(server_case, b"alice's log", actor=alice_contractor).pk,
        "internal_file": add_file(internal_case, b"internal", actor=manager).pk,
        "copy": add_copy(server_case).pk,
        "record": record.pk,
        "release": hold.request_release(manager, server_case, "closed").pk,
    }
    return users, ids


test_get_access, test_post_access, test_anonymous_visitors_are_sent_to_sign_in = matrix_tests(
    GET_MATRIX, POST_MATRIX, [*GET_MATRIX, *POST_MATRIX]
)
