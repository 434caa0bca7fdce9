"""Contractor fixtures: the server contractor handles the shop's card payments (a ledger entry with card data),
the delivery contractor only names and addresses; contracts with and without the incident clauses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from mamori.accounts.models import User
from mamori.accounts.policy import SYSTEM
from mamori.contractors import checklist, services
from mamori.contractors.demo import ensure_criteria
from mamori.contractors.models import Contract, Contractor
from mamori.core.models import Organisation
from mamori.incidents import services as incident_services
from mamori.ledger import services as ledger_services
from mamori.ledger.models import DataCategory, LedgerEntry


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _shipped_data(db) -> None:
    """The criteria, playbooks and data categories migrations ship (a transactional test elsewhere in the run may
    have flushed them), and the organisation."""
    ledger_services.load_catalogue()
    ensure_criteria()
    incident_services.ensure_playbooks()
    Organisation.objects.get_or_create(name="有限会社トイボックス浪速")


@pytest.fixture
def client_for(client_for: Callable[[User], Client]) -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = client_for(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


@pytest.fixture
def card_entry(server_co: Contractor) -> LedgerEntry:
    """The shop's card payment records, handled by the server contractor."""
    card = DataCategory.objects.filter(card_data=True).order_by("pk").first()
    return ledger_services.create_entry(
        SYSTEM,
        {
            "reference": "PI-0002",
            "name": "カード決済記録",
            "department": "EC課",
            "categories": [card],
            "contractors": [server_co],
        },
    )


@pytest.fixture
def delivery_entry(logistics_co: Contractor) -> LedgerEntry:
    name = DataCategory.objects.get(name="氏名")
    return ledger_services.create_entry(
        SYSTEM,
        {
            "reference": "PI-0003",
            "name": "配送伝票",
            "department": "物流",
            "categories": [name],
            "contractors": [logistics_co],
        },
    )


def items(present: bool, keys: Any = None) -> dict[str, dict[str, Any]]:
    keys = keys if keys is not None else checklist.ALL_ITEMS
    return {k: {"present": present, "clause": f"第{n}条" if present else ""} for n, k in enumerate(keys, 1)}


@pytest.fixture
def make_contract() -> Callable[..., Contract]:
    def make(contractor: Contractor, checklist_items: dict[str, Any], **extra: Any) -> Contract:
        data = {"title": "業務委託契約書", "starts_on": dt.date(2020, 4, 1), "checklist": checklist_items, **extra}
        if checklist_items.get("notice_within_hours", {}).get("present"):
            data.setdefault("notice_hours", 24)
        if checklist_items.get("log_retention", {}).get("present"):
            data.setdefault("log_retention_days", 365)
        return services.create_contract(SYSTEM, contractor, data)

    return make


@pytest.fixture
def bare_contract(server_co, make_contract) -> Contract:
    """The server contractor's contract: items a–h, no incident clauses (the 2018 situation)."""
    return make_contract(server_co, items(True, checklist.REQUIRED_ITEMS))


@pytest.fixture
def full_contract(server_co, make_contract) -> Contract:
    return make_contract(server_co, items(True), reference="NSS-2")
