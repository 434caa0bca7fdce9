"""Every API endpoint × method × role: exactly the access the policy grants, over a session and a token.

Reading a row: 200/201/204 allowed; 403 the record is visible but the role may not do this; 404 the
record does not exist for this user (contractor users never learn about other contractors' or internal
records, investigators only about invited cases); 405 the endpoint has no such method; 409 other
records still refer to it; 401 not signed in. The rows match the UI's matrix (tests/core).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.api.conftest import ROLES

NEW_CONTRACTOR = {"name": "新しい委託先"}
NEW_CASE = {"title": "不審なアクセス", "discovered_at": "2026-11-01T10:00:00+09:00"}
NEW_USER = {"username": "newbie", "role": "staff", "password": "a-long-enough-passphrase-77"}

#                                                        president manager auditor staff alice bob  ivy  anon
MATRIX: list[tuple[str, str, dict[str, Any] | None, tuple[int, ...]]] = [
    ("GET", "/api/v1/contractors/", None, (200, 200, 200, 200, 200, 200, 403, 401)),
    ("POST", "/api/v1/contractors/", NEW_CONTRACTOR, (403, 201, 403, 403, 403, 403, 403, 401)),
    ("GET", "/api/v1/contractors/{server_co}/", None, (200, 200, 200, 200, 200, 404, 404, 401)),
    ("GET", "/api/v1/contractors/{logistics_co}/", None, (200, 200, 200, 200, 404, 200, 404, 401)),
    ("PATCH", "/api/v1/contractors/{server_co}/", {"contact_name": "山田"}, (403, 200, 403, 403, 403, 404, 404, 401)),
    ("PUT", "/api/v1/contractors/{server_co}/", {"name": "改名"}, (403, 200, 403, 403, 403, 404, 404, 401)),
    ("DELETE", "/api/v1/contractors/{spare_co}/", None, (403, 204, 403, 403, 404, 404, 404, 401)),
    # the logistics contractor still has a user (bob), so even the manager cannot delete it
    ("DELETE", "/api/v1/contractors/{logistics_co}/", None, (403, 409, 403, 403, 404, 403, 404, 401)),
    ("GET", "/api/v1/cases/", None, (200, 200, 200, 200, 200, 200, 200, 401)),
    ("POST", "/api/v1/cases/", NEW_CASE, (403, 201, 403, 201, 201, 201, 403, 401)),
    ("GET", "/api/v1/cases/{server_case}/", None, (200, 200, 200, 200, 200, 404, 200, 401)),
    ("GET", "/api/v1/cases/{internal_case}/", None, (200, 200, 200, 200, 404, 404, 404, 401)),
    ("PATCH", "/api/v1/cases/{server_case}/", {"severity": "critical"}, (200, 200, 403, 403, 403, 404, 403, 401)),
    ("PATCH", "/api/v1/cases/{internal_case}/", {"severity": "low"}, (200, 200, 403, 403, 404, 404, 404, 401)),
    ("PUT", "/api/v1/cases/{internal_case}/", NEW_CASE, (200, 200, 403, 403, 404, 404, 404, 401)),
    # cases are evidence: never deleted, by anyone (archived instead); 404 still for cases a user may not know of
    ("DELETE", "/api/v1/cases/{server_case}/", None, (405, 405, 405, 405, 405, 404, 405, 401)),
    ("DELETE", "/api/v1/cases/{internal_case}/", None, (405, 405, 405, 405, 404, 404, 404, 401)),
    ("GET", "/api/v1/users/", None, (200, 200, 200, 403, 403, 403, 403, 401)),
    ("POST", "/api/v1/users/", NEW_USER, (403, 201, 403, 403, 403, 403, 403, 401)),
    ("GET", "/api/v1/users/{staff}/", None, (200, 200, 200, 404, 404, 404, 404, 401)),
    ("PATCH", "/api/v1/users/{staff}/", {"department": "総務部"}, (403, 200, 403, 404, 404, 404, 404, 401)),
    ("DELETE", "/api/v1/users/{staff}/", None, (405, 405, 405, 405, 405, 405, 405, 401)),
    ("POST", "/api/v1/users/{staff}/unlock/", None, (403, 200, 403, 404, 404, 404, 404, 401)),
    ("POST", "/api/v1/users/{staff}/reset-two-factor/", None, (403, 200, 403, 404, 404, 404, 404, 401)),
    ("GET", "/api/v1/audit-entries/", None, (200, 200, 200, 403, 403, 403, 403, 401)),
    ("GET", "/api/v1/audit-entries/{entry}/", None, (200, 200, 200, 404, 404, 404, 404, 401)),
    ("POST", "/api/v1/audit-entries/", {"action": "forged"}, (405, 405, 405, 405, 405, 405, 405, 401)),
    ("DELETE", "/api/v1/audit-entries/{entry}/", None, (405, 405, 405, 405, 405, 405, 405, 401)),
    ("GET", "/api/v1/me/", None, (200, 200, 200, 200, 200, 200, 200, 401)),
    ("GET", "/api/v1/", None, (200, 200, 200, 200, 200, 200, 200, 401)),
    ("GET", "/api/schema/", None, (200, 200, 200, 200, 200, 200, 200, 401)),
    ("GET", "/api/docs/", None, (200, 200, 200, 200, 200, 200, 200, 200)),
    ("DELETE", "/api/v1/auth/token/", None, (204, 204, 204, 204, 204, 204, 204, 401)),
]


def _cases() -> list[Any]:
    return [
        pytest.param(method, path, body, role, expected[i], id=f"{role}:{method}:{path}")
        for method, path, body, expected in MATRIX
        for i, role in enumerate(ROLES)
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("transport", ["session", "token"])
@pytest.mark.parametrize(("method", "path", "body", "role", "expected"), _cases())
def test_each_role_gets_exactly_the_access_the_policy_grants(
    world, session_api, token_api, transport, method, path, body, role, expected
):
    # given
    users, ids = world
    api = (session_api if transport == "session" else token_api)(users[role])
    # when
    response = api.request(method, path.format(**ids), body)
    # then
    assert response.status_code == expected, response.content[:500]
    if expected >= 400:
        error = response.json()["error"]
        assert error["status"] == expected and error["code"] and error["message"]


MATRIX_PREFIXES = ["contractors", "cases", "users", "audit-entries"]


def test_the_matrix_covers_each_of_these_endpoints():
    # given
    from mamori.api.urls import router

    covered = {path.split("{")[0] for _, path, _, _ in MATRIX}
    registered = {prefix for prefix, _, _ in router.registry}
    # then: other apps' endpoints have their matrices in their own test folders
    assert set(MATRIX_PREFIXES) <= registered
    for prefix in MATRIX_PREFIXES:
        assert f"/api/v1/{prefix}/" in covered


def _has_detail(prefix: str) -> bool:
    from mamori.api.urls import router

    return any(hasattr(viewset, "retrieve") for p, viewset, _ in router.registry if p == prefix)


def _registered_prefixes() -> list[str]:
    from mamori.api.urls import router

    return [prefix for prefix, _, _ in router.registry]


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", _registered_prefixes())
def test_every_registered_endpoint_answers_each_role_in_the_error_shape(world, session_api, prefix):
    """A floor for every endpoint, including those of other apps: no 500, anonymous 401, JSON errors.
    Endpoints nested under a case are asked about the server contractor's case (404 for roles that may not know it)."""
    users, ids = world
    nested = "(?P<" in prefix
    has_detail = _has_detail(prefix)
    prefix = re.sub(r"\(\?P<[a-z_]+>[^)]*\)", str(ids["server_case"]), prefix)
    for role, user in users.items():
        api = session_api(user)
        listing = api.get(f"/api/v1/{prefix}/")
        missing = api.get(f"/api/v1/{prefix}/99999999999999999999/")
        garbage = api.post(f"/api/v1/{prefix}/", {"id": {"$ne": None}, "name": ["x"] * 3})
        if user is None:
            assert listing.status_code == garbage.status_code == 401
            assert missing.status_code == (401 if has_detail else 404)  # no such address without a detail route
            continue
        # 405: a write-only endpoint; 404: a nested endpoint under a case the role may not know of
        assert listing.status_code in ({200, 403, 405, 404} if nested else {200, 403, 405}), (
            role,
            listing.content[:300],
        )
        assert missing.status_code == 404, (role, missing.content[:300])
        assert garbage.status_code in ({400, 403, 405, 404} if nested else {400, 403, 405}), (
            role,
            garbage.content[:300],
        )
        for response in (missing, garbage):
            assert response.json()["error"]["code"]
