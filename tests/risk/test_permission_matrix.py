"""Every risk page × every role: exactly what the policy grants. Contractor users and outside
investigators have no access to risks: lists are 403, single records 404 (they do not exist for them)."""

from __future__ import annotations

import pytest

from mamori.accounts.policy import SYSTEM
from mamori.risk import services
from tests.matrix import ROLES, matrix_tests

GET_MATRIX: dict[str, tuple[int, ...]] = {
    "/risk/": (200, 200, 200, 200, 403, 403, 403),
    "/risk/new/": (403, 200, 403, 403, 403, 403, 403),
    "/risk/generate/": (403, 200, 403, 403, 403, 403, 403),
    "/risk/matrix/": (200, 200, 200, 200, 403, 403, 403),
    "/risk/export.xlsx": (200, 200, 200, 403, 403, 403, 403),
    "/risk/{risk}/": (200, 200, 200, 200, 404, 404, 404),
    "/risk/{risk}/edit/": (403, 200, 403, 403, 404, 404, 404),
    "/risk/nonconformities/": (200, 200, 200, 200, 403, 403, 403),
    "/risk/nonconformities/new/": (403, 200, 403, 403, 403, 403, 403),
    "/risk/nonconformities/{nc}/": (200, 200, 200, 200, 404, 404, 404),
    "/risk/nonconformities/{nc}/edit/": (403, 200, 403, 403, 404, 404, 404),
    # archiving (never deleting) asks for a reason on a confirmation page
    "/risk/{risk}/archive/": (403, 200, 403, 403, 404, 404, 404),
    "/risk/nonconformities/{nc}/archive/": (403, 200, 403, 403, 404, 404, 404),
    "/risk/?archived=1": (200, 200, 200, 200, 403, 403, 403),
    "/risk/nonconformities/?archived=1": (200, 200, 200, 200, 403, 403, 403),
    "/api/v1/risks/": (200, 200, 200, 200, 403, 403, 403),
    "/api/v1/risks/{risk}/": (200, 200, 200, 200, 404, 404, 404),
    "/api/v1/nonconformities/": (200, 200, 200, 200, 403, 403, 403),
    "/api/v1/nonconformities/{nc}/": (200, 200, 200, 200, 404, 404, 404),
}

POST_MATRIX: dict[str, tuple[int, ...]] = {
    "/risk/{risk}/accept/": (403, 302, 403, 403, 404, 404, 404),
    # 400: the reason is missing (tests/risk/test_archive.py archives with one)
    "/risk/{risk}/archive/": (403, 400, 403, 403, 404, 404, 404),
    "/risk/nonconformities/{nc}/archive/": (403, 400, 403, 403, 404, 404, 404),
    "/risk/nonconformities/{nc}/close/": (403, 400, 403, 403, 404, 404, 404),  # 400: no effectiveness check
    "/risk/matrix/": (403, 400, 403, 403, 403, 403, 403),
    "/risk/generate/": (403, 400, 403, 403, 403, 403, 403),
    # accepting a residual risk is its own verb (policy Action.ACCEPT): the protection manager's alone
    "/api/v1/risks/{risk}/accept/": (403, 200, 403, 403, 404, 404, 404),
}


@pytest.fixture
def world(request, make_risk, staff):
    users = {name: request.getfixturevalue(name) for name in ROLES}
    risk = make_risk(likelihood=1, impact=1)
    nc = services.create_nonconformity(SYSTEM, title="台帳にない顧客データを検出", source="reconciliation")
    return users, {"risk": risk.pk, "nc": nc.pk}


test_get_access, test_post_access, test_anonymous_visitors_are_sent_to_sign_in = matrix_tests(
    GET_MATRIX, POST_MATRIX, [*GET_MATRIX, *POST_MATRIX]
)
