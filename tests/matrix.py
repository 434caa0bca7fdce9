"""Shared pieces of the permission-matrix tests: the named users in column order, the cases, and the
registry of matrix modules that tests/core/test_route_coverage.py holds against every URL route."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

# Column order of every matrix: one named user per role (fixtures in tests/conftest.py).
ROLES = ["president", "manager", "auditor", "staff", "alice_contractor", "bob_logistics", "investigator"]

# In a matrix cell: "allowed", where the form of success (200, 202 or a redirect) is not the point of the row.
OK = 0
SUCCESS = frozenset({200, 201, 202, 204, 302})

# Every module that holds a permission matrix. Its paths count as covered when they are listed in
# ``GET_MATRIX`` / ``POST_MATRIX`` (path → statuses) or ``MATRIX`` (rows of method, path, body, statuses).
MATRIX_MODULES = [
    "tests.notices.test_permission_matrix",
    "tests.core.test_permission_matrix",
    "tests.ledger.test_permission_matrix",
    "tests.risk.test_permission_matrix",
    "tests.discovery_app.test_pages",
    "tests.discovery_app.test_permission_matrix",
    "tests.api.test_permission_matrix",
    "tests.evidence.test_permission_matrix",
    "tests.evidence.test_preserve_matrix",
    "tests.incidents.test_appi_matrix",
    "tests.incidents.test_permission_matrix",
    "tests.incidents.test_reports_matrix",
    "tests.incidents.test_portal_matrix",
    "tests.contractors.test_permission_matrix",
    "tests.cardlists.test_permission_matrix",
    "tests.pms.test_permission_matrix",
    "tests.pms.test_api_matrix",
    "tests.scoping.test_permission_matrix",
]


def matrix_paths(module_name: str) -> list[str]:
    """The path templates (``/ledger/{server_entry}/``) one matrix module checks for every role."""
    module = importlib.import_module(module_name)
    paths = [*getattr(module, "GET_MATRIX", {}), *getattr(module, "POST_MATRIX", {})]
    paths += [row[1] for row in getattr(module, "MATRIX", [])]
    return paths


def status_matches(actual: int, expected: int) -> bool:
    return actual in SUCCESS if expected == OK else actual == expected


def access_cases(matrix: dict[str, tuple[int, ...]]) -> list[Any]:
    """One pytest case per (path, role) with the expected status code."""
    return [
        pytest.param(path, role, expected[i], id=f"{role}:{path}")
        for path, expected in matrix.items()
        for i, role in enumerate(ROLES)
    ]


def matrix_tests(
    get_matrix: dict[str, tuple[int, ...]], post_matrix: dict[str, tuple[int, ...]], anonymous_paths: list[str]
) -> tuple[Any, Any, Any]:
    """The three tests every matrix module runs, over its own ``world`` fixture (``(users, ids)``).

    Assign them in the module: ``test_get_access, test_post_access, test_anonymous_visitors_are_sent_to_sign_in
    = matrix_tests(...)``.
    """
    from django.test import Client

    @pytest.mark.django_db
    @pytest.mark.parametrize(("path", "role", "expected"), access_cases(get_matrix))
    def test_get_access(world: Any, client_for: Any, path: str, role: str, expected: int) -> None:
        users, ids = world
        # when
        response = client_for(users[role]).get(path.format(**ids))
        # then
        assert status_matches(response.status_code, expected), response.status_code

    @pytest.mark.django_db
    @pytest.mark.parametrize(("path", "role", "expected"), access_cases(post_matrix))
    def test_post_access(world: Any, client_for: Any, path: str, role: str, expected: int) -> None:
        users, ids = world
        # when
        response = client_for(users[role]).post(path.format(**ids))
        # then
        assert status_matches(response.status_code, expected), response.status_code

    @pytest.mark.django_db
    @pytest.mark.parametrize("path", anonymous_paths)
    def test_anonymous_visitors_are_sent_to_sign_in(world: Any, path: str) -> None:
        _, ids = world
        # when
        response = Client().get(path.format(**ids))
        # then: pages send them to sign in; the API answers 401, as a program cannot follow a redirect to a form
        if path.startswith("/api/"):
            assert response.status_code == 401
            return
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")

    return test_get_access, test_post_access, test_anonymous_visitors_are_sent_to_sign_in
