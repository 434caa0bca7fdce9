"""Fixtures of the case tests (imported by tests/incidents/test_cases*.py, test_playbooks.py, test_reminders.py
and the cases permission matrix)."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from mamori.incidents.models import CaseTask, Playbook

CARD_PLAYBOOK = "card-breach-web-shop"


def ensure_playbooks() -> None:
    """The playbooks migration incidents 0003 loads (again, after a transactional test flushed them)."""
    if Playbook.objects.filter(key=CARD_PLAYBOOK).exists():
        return
    importlib.import_module("mamori.incidents.migrations.0003_playbooks").load_playbooks(apps, None)


@pytest.fixture
def card_playbook(db) -> Playbook:
    ensure_playbooks()
    return Playbook.objects.get(key=CARD_PLAYBOOK)


@pytest.fixture
def server_task(server_case) -> CaseTask:
    """An open task of the server contractor's case, owned by nobody yet."""
    return CaseTask.objects.create(case=server_case, title="ログの保全を確認する", order=1)


@pytest.fixture
def alice_task(server_case, alice_contractor) -> CaseTask:
    """A task of the same case assigned to the contractor's user."""
    return CaseTask.objects.create(
        case=server_case, title="サーバーイメージを提出する", owner=alice_contractor, order=2
    )
