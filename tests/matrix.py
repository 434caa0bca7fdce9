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
