"""Shared pieces of the permission-matrix tests: the named users in column order, and the cases."""

from __future__ import annotations

from typing import Any

import pytest

# Column order of every matrix: one named user per role (fixtures in tests/conftest.py).
ROLES = ["president", "manager", "auditor", "staff", "alice_contractor", "bob_logistics", "investigator"]


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
        assert response.status_code == expected

    @pytest.mark.django_db
    @pytest.mark.parametrize(("path", "role", "expected"), access_cases(post_matrix))
    def test_post_access(world: Any, client_for: Any, path: str, role: str, expected: int) -> None:
        users, ids = world
        # when
        response = client_for(users[role]).post(path.format(**ids))
        # then
        assert response.status_code == expected

    @pytest.mark.django_db
    @pytest.mark.parametrize("path", anonymous_paths)
    def test_anonymous_visitors_are_sent_to_sign_in(world: Any, path: str) -> None:
        _, ids = world
        # when
        response = Client().get(path.format(**ids))
        # then
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")

    return test_get_access, test_post_access, test_anonymous_visitors_are_sent_to_sign_in
