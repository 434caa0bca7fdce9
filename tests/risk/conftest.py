"""Risk fixtures: two ledger entries and a helper that records a risk through the service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mamori.accounts.policy import SYSTEM
from mamori.ledger.models import LedgerEntry
from mamori.risk import services
from mamori.risk.models import Risk, RiskMatrix


@pytest.fixture
def customers(db) -> LedgerEntry:
    return LedgerEntry.objects.create(reference="L-001", name="顧客名簿", department="営業部")


@pytest.fixture
def applicants(db) -> LedgerEntry:
    return LedgerEntry.objects.create(reference="L-002", name="採用応募者情報", department="人事部")


@pytest.fixture
def matrix(db) -> RiskMatrix:
    """The shipped 3×3 matrix: medium from 3, high from 6, tolerance 2."""
    return RiskMatrix.current()


@pytest.fixture
def make_risk(customers, matrix) -> Callable[..., Risk]:
    def make(**values: Any) -> Risk:
        data: dict[str, Any] = {"ledger_entry": customers, "stage": "store", "threat": "leak", **values}
        return services.create_risk(SYSTEM, data)

    return make
