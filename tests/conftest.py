"""Shared fixtures: a small organisation with one named user per role and two contractors.

Named users make permission tests read like the policy: ``manager`` may, ``alice_contractor`` may not.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator

import pytest
from django.test import Client
from django.utils import timezone, translation

from mamori.accounts.middleware import SESSION_KEY
from mamori.accounts.models import User
from mamori.accounts.roles import Role
from mamori.contractors.models import Contractor
from mamori.incidents.models import CaseAccess, IncidentCase

PASSWORD = "correct-horse-battery-staple-42"


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path, settings) -> None:
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = tmp_path / "data" / "files"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast tests
    # Card fingerprints at a cheap scrypt cost keep scans fast; tests/discovery_app/test_card_fingerprints.py
    # checks the production cost.
    settings.MAMORI_PAN_FINGERPRINT_COST = 8


@pytest.fixture(autouse=True)
def _english_outside_requests() -> Iterator[None]:
    """Code that tests call directly (services, jobs) speaks English, the language of the message ids.

    Pages still follow the language switch: each request activates Japanese unless the cookie says otherwise.
    """
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True, scope="session")
def _test_audit_actions() -> None:
    """Audit actions that only tests record: the registry refuses undeclared ones (mamori.audit.registry)."""
    from mamori.audit import registry

    registry.declare("tests", {action: action for action in ("note", "test_event", "old_event", "new_event")})


@pytest.fixture
def server_co(db) -> Contractor:
    return Contractor.objects.create(name="なにわシステムサービス")


@pytest.fixture
def logistics_co(db) -> Contractor:
    return Contractor.objects.create(name="関西ロジスティクス")


def _make(username: str, role: Role, **extra: object) -> User:
    user = User(username=username, role=role, **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def president(db) -> User:
    return _make("president", Role.TOP_MANAGEMENT)


@pytest.fixture
def manager(db) -> User:
    return _make("manager", Role.PROTECTION_MANAGER)


@pytest.fixture
def auditor(db) -> User:
    return _make("auditor", Role.AUDIT_MANAGER)


@pytest.fixture
def staff(db) -> User:
    return _make("staff", Role.STAFF)


@pytest.fixture
def alice_contractor(server_co) -> User:
    """A contractor user of the server contractor."""
    return _make("alice", Role.CONTRACTOR, contractor=server_co)


@pytest.fixture
def bob_logistics(logistics_co) -> User:
    """A contractor user of another contractor."""
    return _make("bob", Role.CONTRACTOR, contractor=logistics_co)


@pytest.fixture
def investigator(db) -> User:
    return _make("ivy", Role.INVESTIGATOR, access_expires_at=timezone.now() + dt.timedelta(days=30))


@pytest.fixture
def server_case(server_co) -> IncidentCase:
    return IncidentCase.objects.create(
        title="カード情報漏えいの疑い", discovered_at=timezone.now(), contractor=server_co
    )


@pytest.fixture
def internal_case(db) -> IncidentCase:
    return IncidentCase.objects.create(title="社内PCの紛失", discovered_at=timezone.now())


@pytest.fixture
def invited(investigator, server_case) -> CaseAccess:
    return CaseAccess.objects.create(
        case=server_case, user=investigator, expires_at=timezone.now() + dt.timedelta(days=7)
    )


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    """A browser session signed in as the user, with two-factor already passed."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user, backend="mamori.accounts.backends.LockoutBackend")
        session = client.session
        session[SESSION_KEY] = True
        session.save()
        return client

    return make


def skip_or_fail(reason: str) -> None:
    """Skip when a local service or tool is missing — but fail in CI (MAMORI_REQUIRE_SERVICES=1)."""
    import os

    if os.environ.get("MAMORI_REQUIRE_SERVICES"):
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


def _uses_test_database(item: pytest.Item) -> bool:
    names = getattr(item, "fixturenames", ())
    return item.get_closest_marker("django_db") is not None or any(
        name in names for name in ("db", "transactional_db", "django_db_setup")
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """CI runs the suite on SQLite, then on PostgreSQL. DATABASE_URL changes only Django's test database, so the
    PostgreSQL pass runs the tests that use it and skips the rest, which already ran, identically, in the SQLite
    pass: the scanner engine, parsers, and the tests that start `mamori` in a child process with a SQLite data
    folder of its own. Browser tests look at pages, which the engine does not change: they run in the SQLite pass
    only too. MAMORI_RUN_ALL=1 runs everything on PostgreSQL (MAMORI_BROWSER_ALWAYS=1 the browser tests only)."""
    if not os.environ.get("DATABASE_URL") or os.environ.get("MAMORI_RUN_ALL"):
        return
    browsers = bool(os.environ.get("MAMORI_BROWSER_ALWAYS"))
    browser_skip = pytest.mark.skip(
        reason="browser tests run in the SQLite pass (MAMORI_BROWSER_ALWAYS=1 to run them here)"
    )
    engine_free = pytest.mark.skip(reason="does not use the test database: runs in the SQLite pass (MAMORI_RUN_ALL=1)")
    for item in items:
        if item.get_closest_marker("browser") is not None and not browsers:
            item.add_marker(browser_skip)
        elif not _uses_test_database(item):
            item.add_marker(engine_free)
