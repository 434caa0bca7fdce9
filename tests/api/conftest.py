"""API fixtures: the shared organisation, a JSON client per role, over the session or a token."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pyotp
import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from mamori.accounts.models import User
from mamori.accounts.policy import SYSTEM
from mamori.audit import services as audit
from mamori.audit.models import AuditEntry
from mamori.contractors.models import Contractor

ROLES = [
    "president",
    "manager",
    "auditor",
    "staff",
    "alice_contractor",
    "bob_logistics",
    "investigator",
    "anonymous",
]


class Api:
    """A test client that sends and reads JSON."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def request(self, method: str, path: str, body: Any = None, raw: str | None = None) -> Any:
        payload = raw if raw is not None else (json.dumps(body) if body is not None else None)
        kwargs: dict[str, Any] = {"content_type": "application/json"}
        if payload is not None:
            kwargs["data"] = payload
        return getattr(self.client, method.lower())(path, **kwargs)

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params, HTTP_ACCEPT="application/json")

    def post(self, path: str, body: Any = None, raw: str | None = None) -> Any:
        return self.request("POST", path, body, raw)

    def patch(self, path: str, body: Any = None, raw: str | None = None) -> Any:
        return self.request("PATCH", path, body, raw)

    def put(self, path: str, body: Any = None, raw: str | None = None) -> Any:
        return self.request("PUT", path, body, raw)

    def delete(self, path: str) -> Any:
        return self.client.delete(path)


@pytest.fixture(autouse=True)
def _fresh_throttle_counts() -> None:
    cache.clear()


@pytest.fixture
def spare_co(db) -> Contractor:
    """A contractor no user or case refers to, so that it can be deleted."""
    return Contractor.objects.create(name="予備の委託先")


@pytest.fixture
def entry(db) -> AuditEntry:
    return audit.record(SYSTEM, "test_event", object_type="test", object_id="1", object_repr="a test event")


def enrol_totp(user: User) -> User:
    user.set_totp_key(pyotp.random_base32())
    user.totp_confirmed_at = timezone.now()
    user.save()
    return user


@pytest.fixture
def session_api(client_for) -> Callable[[User | None], Api]:
    """A signed-in browser session (two-factor passed); ``None`` is an anonymous visitor."""

    def make(user: User | None) -> Api:
        return Api(client_for(user) if user is not None else Client())

    return make


@pytest.fixture
def token_api() -> Callable[[User | None], Api]:
    """A client that sends ``Authorization: Token …``; two-factor is enrolled where the role needs it."""

    def make(user: User | None) -> Api:
        if user is None:
            return Api(Client())
        from mamori.accounts.services import issue_api_token, requires_two_factor

        if requires_two_factor(user) and not user.has_totp:
            enrol_totp(user)
        _token, key = issue_api_token(user, user, "tests")
        return Api(Client(headers={"Authorization": f"Token {key}"}))

    return make


@pytest.fixture
def world(request, server_co, logistics_co, spare_co, server_case, internal_case, invited, staff, entry):
    users = {name: (request.getfixturevalue(name) if name != "anonymous" else None) for name in ROLES}
    ids = {
        "server_co": server_co.pk,
        "logistics_co": logistics_co.pk,
        "spare_co": spare_co.pk,
        "server_case": server_case.pk,
        "internal_case": internal_case.pk,
        "staff": staff.pk,
        "entry": entry.pk,
    }
    return users, ids
