"""Malformed requests get a clear 4xx in the one error shape — field-level messages where a field is
wrong — and never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from mamori.audit.models import AuditEntry
from mamori.contractors.models import Contractor

pytestmark = pytest.mark.django_db

CASE = {"title": "調査", "discovered_at": "2026-11-01T10:00:00+09:00"}
HUGE = 10**30

# (method, path, body, the field the error must name)
FIELD_ERRORS: list[tuple[str, str, Any, str]] = [
    ("POST", "/api/v1/contractors/", {"name": {"$gt": ""}}, "name"),
    ("POST", "/api/v1/contractors/", {"name": ["a", "b"]}, "name"),
    ("POST", "/api/v1/contractors/", {"name": None}, "name"),
    ("POST", "/api/v1/contractors/", {"name": ""}, "name"),
    ("POST", "/api/v1/contractors/", {}, "name"),
    ("POST", "/api/v1/contractors/", {"name": "x" * 201}, "name"),
    ("POST", "/api/v1/contractors/", {"name": "なにわシステムサービス"}, "name"),  # already exists
    ("POST", "/api/v1/contractors/", {"name": "新規", "corporate_number": "1234567890123"}, "corporate_number"),
    ("POST", "/api/v1/contractors/", {"name": "新規", "corporate_number": "12345678901234"}, "corporate_number"),
    ("POST", "/api/v1/contractors/", {"name": "新規", "contact_email": "not-an-address"}, "contact_email"),
    ("POST", "/api/v1/contractors/", {"name": "新規", "active": "maybe"}, "active"),
    ("POST", "/api/v1/contractors/", {"name": "新規", "contact_phone": "0" * 31}, "contact_phone"),
    ("POST", "/api/v1/contractors/", {"name": "nul\x00char"}, "name"),
    ("POST", "/api/v1/cases/", {**CASE, "discovered_at": "yesterday"}, "discovered_at"),
    ("POST", "/api/v1/cases/", {**CASE, "discovered_at": "2026-02-30T10:00:00"}, "discovered_at"),
    ("POST", "/api/v1/cases/", {**CASE, "discovered_at": "99999-01-01T00:00:00Z"}, "discovered_at"),
    ("POST", "/api/v1/cases/", {**CASE, "discovered_at": "9999-12-31T23:59:59-09:00"}, "discovered_at"),
    ("POST", "/api/v1/cases/", {**CASE, "discovered_at": 1732752000}, "discovered_at"),
    ("POST", "/api/v1/cases/", {**CASE, "discovered_at": {"date": "2026-11-01"}}, "discovered_at"),
    ("POST", "/api/v1/cases/", {"title": "x"}, "discovered_at"),
    ("POST", "/api/v1/cases/", {**CASE, "severity": "exploded"}, "severity"),
    ("POST", "/api/v1/cases/", {**CASE, "detection_source": "rumour"}, "detection_source"),
    ("POST", "/api/v1/cases/", {**CASE, "ledger_entries": ["abc"]}, "ledger_entries"),
    ("POST", "/api/v1/cases/", {**CASE, "exposure_from": "2018-11-06", "exposure_to": "2017-05-02"}, "exposure_to"),
    ("POST", "/api/v1/cases/", {**CASE, "playbook": "no-such-playbook"}, "playbook"),
    ("POST", "/api/v1/cases/", {**CASE, "contractor": "abc"}, "contractor"),
    ("POST", "/api/v1/cases/", {**CASE, "contractor": HUGE}, "contractor"),
    ("POST", "/api/v1/cases/", {**CASE, "contractor": -1}, "contractor"),
    ("POST", "/api/v1/cases/", {**CASE, "contractor": True}, "contractor"),
    ("POST", "/api/v1/cases/", {**CASE, "contractor": [1]}, "contractor"),
    ("POST", "/api/v1/cases/", {**CASE, "contractor": {"id": 1}}, "contractor"),
    ("POST", "/api/v1/cases/", {**CASE, "title": "t" * 201}, "title"),
    ("PATCH", "/api/v1/cases/{internal_case}/", {"discovered_at": None}, "discovered_at"),
    ("PATCH", "/api/v1/cases/{internal_case}/", {"title": ""}, "title"),
    ("PUT", "/api/v1/cases/{internal_case}/", {"title": "only a title"}, "discovered_at"),
    ("PATCH", "/api/v1/contractors/{server_co}/", {"corporate_number": "abc"}, "corporate_number"),
    ("POST", "/api/v1/users/", {"username": "newbie", "role": "staff"}, "password"),
    ("POST", "/api/v1/users/", {"username": "newbie", "role": "staff", "password": "short"}, "password"),
    ("POST", "/api/v1/users/", {"username": "newbie", "role": "king", "password": "a-long-passphrase-77"}, "role"),
    (
        "POST",
        "/api/v1/users/",
        {"username": "bad name!", "role": "staff", "password": "a-long-passphrase-77"},
        "username",
    ),
    ("POST", "/api/v1/users/", {"username": "staff", "role": "staff", "password": "a-long-passphrase-77"}, "username"),
    (
        "POST",
        "/api/v1/users/",
        {"username": "c1", "role": "contractor", "password": "a-long-passphrase-77"},
        "contractor",
    ),
    (
        "POST",
        "/api/v1/users/",
        {"username": "i1", "role": "investigator", "password": "a-long-passphrase-77"},
        "access_expires_at",
    ),
    ("PATCH", "/api/v1/users/{staff}/", {"role": "contractor"}, "contractor"),
    ("PATCH", "/api/v1/users/{staff}/", {"email": "@@"}, "email"),
    ("PATCH", "/api/v1/users/{staff}/", {"is_active": [True]}, "is_active"),
    ("POST", "/api/v1/auth/token/", {"username": ["manager"], "password": 1}, "username"),
    ("POST", "/api/v1/auth/token/", {"username": "manager"}, "password"),
    ("POST", "/api/v1/auth/token/", {"username": "m", "password": "p", "code": "1" * 50}, "code"),
]


@pytest.fixture
def manager_api(world, session_api):
    users, ids = world
    return session_api(users["manager"]), ids


def _assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["status"] == status and error["message"]
    if code:
        assert error["code"] == code
    return error


# Well formed, but refused for what is stored (a taken name, a record that does not exist): 409, not 400.
CONFLICTS = [
    {"name": "なにわシステムサービス"},
    {**CASE, "playbook": "no-such-playbook"},
    {"username": "staff", "role": "staff", "password": "a-long-passphrase-77"},
]


@pytest.mark.parametrize(("method", "path", "body", "field"), FIELD_ERRORS)
def test_a_wrong_field_gets_a_message_under_that_field(manager_api, method, path, body, field):
    # given
    api, ids = manager_api
    entries_before = AuditEntry.objects.count()
    conflict = body in CONFLICTS
    # when
    response = api.request(method, path.format(**ids), body)
    # then
    error = _assert_error(response, 409, "conflict") if conflict else _assert_error(response, 400, "invalid")
    assert field in error["fields"], error
    assert all(isinstance(message, str) and message for message in error["fields"][field])
    assert AuditEntry.objects.exclude(action="login_failed").count() == entries_before


@pytest.mark.parametrize(
    "raw",
    [
        "{not json",
        "{'title': 'single quotes'}",
        '{"title": "unterminated',
        "",
        "NaN",
        '{"title": NaN, "discovered_at": Infinity}',
        "1" * 5000,
        '{"title": ' + "9" * 5000 + "}",
        "\x00\x01\x02",
        "[" * 10000,
    ],
)
def test_a_body_that_is_not_json_is_a_parse_error(manager_api, raw):
    # given
    api, _ = manager_api
    # when
    response = api.post("/api/v1/cases/", raw=raw)
    # then
    if raw == "":
        _assert_error(response, 400, "invalid")  # an empty body is an empty object: fields are missing
    else:
        _assert_error(response, 400, "parse_error")


@pytest.mark.parametrize("raw", ["[]", "[1, 2]", "null", "123", '"text"', "true"])
def test_json_that_is_not_an_object_is_named_as_such(manager_api, raw):
    api, _ = manager_api
    response = api.post("/api/v1/contractors/", raw=raw)
    error = _assert_error(response, 400, "invalid")
    assert "non_field_errors" in error["fields"]


def test_unknown_fields_are_ignored(manager_api):
    # given
    api, _ = manager_api
    # when
    response = api.post("/api/v1/cases/", {**CASE, "colour": "blue", "id": 12345, "created_at": "1999-01-01"})
    # then
    assert response.status_code == 201, response.content
    assert response.json()["id"] != 12345


def test_a_body_that_is_not_json_at_all_is_an_unsupported_media_type(manager_api):
    api, _ = manager_api
    response = api.client.post("/api/v1/cases/", data="title=x", content_type="text/plain")
    _assert_error(response, 415, "unsupported_media_type")


def test_a_body_over_the_upload_limit_is_refused_without_a_crash(manager_api, settings):
    # given
    api, _ = manager_api
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    # when
    response = api.post("/api/v1/cases/", {**CASE, "summary": "あ" * 20_000})
    # then
    _assert_error(response, 413, "request_too_large")


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/cases/?status=exploded", 400),
        ("/api/v1/cases/?discovered_after=notadate", 400),
        ("/api/v1/cases/?contractor=abc", 400),
        ("/api/v1/cases/?contractor=99999999999999999999999", 400),
        ("/api/v1/ledger-entries/?contractor=99999999999999999999999", 400),
        ("/api/v1/users/?contractor=9223372036854775808", 400),
        ("/api/v1/cases/?contractor=1e400", 400),
        ("/api/v1/cases/?internal=perhaps", 400),  # only true or false
        ("/api/v1/cases/?search=%00", 400),
        ("/api/v1/cases/?search=" + "x" * 500, 400),
        ("/api/v1/contractors/?active=perhaps", 400),
        ("/api/v1/users/?role=king", 400),
        ("/api/v1/audit-entries/?created_after=2026-13-45", 400),
        ("/api/v1/audit-entries/?action=%00", 400),
        ("/api/v1/cases/?page=abc", 400),
        ("/api/v1/cases/?page=99999999999999999999999", 400),
        ("/api/v1/cases/?page=-1", 400),
        ("/api/v1/cases/?page=999", 404),  # well formed, past the last page
        ("/api/v1/cases/?page_size=abc", 400),
        ("/api/v1/cases/?page_size=-5", 400),
        ("/api/v1/cases/?page_size=99999999999999999999", 400),
        ("/api/v1/cases/?ordering=__class__,-nonsense,password", 400),
        ("/api/v1/cases/99999999999999999999999/", 404),
        ("/api/v1/cases/abc/", 404),
        ("/api/v1/cases/-1/", 404),
        ("/api/v1/users/99999999999999999999999/", 404),
        ("/api/v1/users/1/unlock/", 405),  # a POST-only action
        ("/api/v1/nothing-here/", 404),
        ("/api/v1/cases", 404),
        ("/api/nothing", 404),
    ],
)
def test_bad_query_strings_and_addresses_get_clear_answers(manager_api, path, status):
    # given
    api, _ = manager_api
    # when
    response = api.client.get(path, HTTP_ACCEPT="application/json")
    # then
    if status == 200:
        assert response.status_code == 200
    else:
        _assert_error(response, status)


def test_a_rejected_update_leaves_the_record_unchanged(manager_api):
    # given
    api, ids = manager_api
    # when
    response = api.patch(f"/api/v1/contractors/{ids['server_co']}/", {"corporate_number": "1234567890123"})
    # then
    assert response.status_code == 400
    assert Contractor.objects.get(pk=ids["server_co"]).corporate_number == ""


def test_a_valid_corporate_number_is_accepted(manager_api):
    # given: 法人番号 with a correct check digit
    api, ids = manager_api
    # when
    response = api.patch(f"/api/v1/contractors/{ids['server_co']}/", {"corporate_number": "5835678256246"})
    # then
    assert response.status_code == 200, response.content


# Ids a database cannot hold (PostgreSQL's bigint stops at 2**63 - 1, SQLite raises OverflowError) and
# ids that are no numbers: a field error naming the parameter, never a 500.
OUT_OF_RANGE_IDS = [str(2**63), str(10**30), str(-(2**63) - 1), "1e400", "abc", "1.5", "0x10"]


@pytest.mark.parametrize("value", OUT_OF_RANGE_IDS)
@pytest.mark.parametrize(
    "path", ["/api/v1/cases/", "/api/v1/users/", "/api/v1/ledger-entries/", "/api/v1/risks/", "/api/v1/data-sources/"]
)
def test_an_id_filter_beyond_a_database_id_is_a_field_error(manager_api, path, value):
    # given
    api, _ = manager_api
    param = {"/api/v1/risks/": "ledger_entry", "/api/v1/data-sources/": "contractor"}.get(path, "contractor")
    # when
    response = api.client.get(path, {param: value}, HTTP_ACCEPT="application/json")
    # then
    if path == "/api/v1/data-sources/" and response.status_code == 200:
        return  # this list has no contractor filter: an unknown parameter is ignored
    error = _assert_error(response, 400, "invalid")
    assert param in error["fields"], error


def _list_filters() -> list[tuple[str, str]]:
    from mamori.api.urls import router

    pairs = []
    for prefix, viewset, _ in router.registry:
        filterset = getattr(viewset, "filterset_class", None)
        names = list(filterset.base_filters) if filterset else list(getattr(viewset, "filterset_fields", None) or [])
        pairs += [(prefix, name) for name in names]
    return pairs


@pytest.mark.parametrize(("prefix", "name"), _list_filters())
def test_every_list_filter_takes_hostile_values_without_a_crash(world, session_api, prefix, name):
    """Every filter of every list endpoint, for a role that sees all and for a contractor user."""
    users, _ = world
    for role in ("manager", "alice_contractor"):
        api = session_api(users[role])
        for value in [str(2**63), str(10**30), "-" + str(10**30), "1e400", "\x00", "x" * 5000]:
            # when
            response = api.get(f"/api/v1/{prefix}/", **{name: value})
            # then
            assert response.status_code in {200, 400, 403}, (role, prefix, name, value, response.content[:300])
            if response.status_code == 400:
                assert name in response.json()["error"]["fields"], (prefix, name, response.content[:300])
