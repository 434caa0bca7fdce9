"""Discovery pages × every role, contractor ownership, the write-only password, test connection, bad input."""

from __future__ import annotations

import pytest
from django.db import connection

from mamori.accounts.policy import SYSTEM
from mamori.audit.models import AuditEntry
from mamori.discovery import services
from mamori.discovery.models import DataSource
from tests.discovery_app.conftest import run_jobs, scan_now

ROLES = ["president", "manager", "auditor", "staff", "alice_contractor", "bob_logistics", "investigator"]

# path → expected status per role, in ROLES order. {shop} is alice's contractor's source, {internal} the company's.
GET_MATRIX: dict[str, tuple[int, ...]] = {
    "/discovery/": (200, 200, 200, 200, 200, 200, 403),
    "/discovery/new/": (403, 200, 403, 403, 403, 403, 403),
    "/discovery/{shop}/": (200, 200, 200, 200, 200, 404, 404),
    "/discovery/{internal}/": (200, 200, 200, 200, 404, 404, 404),
    "/discovery/{shop}/edit/": (403, 200, 403, 403, 403, 404, 404),
    "/discovery/{internal}/edit/": (403, 200, 403, 403, 404, 404, 404),
    "/discovery/reconciliation/": (200, 200, 200, 403, 403, 403, 403),
    "/discovery/{shop}/reconciliation/": (200, 200, 200, 403, 403, 403, 403),
    "/discovery/scans/{shop_scan}/": (200, 200, 200, 200, 200, 404, 404),
    "/discovery/scans/{shop_scan}/progress/": (200, 200, 200, 200, 200, 404, 404),
    "/discovery/scans/{internal_scan}/": (200, 200, 200, 200, 404, 404, 404),
}


@pytest.fixture
def ids(shop_source, internal_source) -> dict[str, int]:
    return {
        "shop": shop_source.pk,
        "internal": internal_source.pk,
        "shop_scan": scan_now(shop_source).pk,
        "internal_scan": scan_now(internal_source).pk,
    }


@pytest.mark.parametrize("path", list(GET_MATRIX))
def test_each_role_gets_exactly_the_access_the_policy_grants(path, ids, request, client_for):
    for role, expected in zip(ROLES, GET_MATRIX[path], strict=True):
        # given a signed-in user of this role
        client = client_for(request.getfixturevalue(role))
        # when the page is requested
        response = client.get(path.format(**ids))
        # then the status is the one the policy gives
        assert response.status_code == expected, f"{role} {path}"


def test_alice_sees_only_her_contractors_sources_in_the_list(ids, alice_contractor, client_for):
    page = client_for(alice_contractor).get("/discovery/").content.decode()
    assert "EC shop DB" in page
    assert "Sales share" not in page


def test_a_contractor_may_start_a_scan_of_its_own_source_only(ids, alice_contractor, bob_logistics, client_for):
    # when alice starts a scan of her contractor's source
    response = client_for(alice_contractor).post(f"/discovery/{ids['shop']}/scan/")
    # then it is queued and she is sent to its page
    assert response.status_code == 302 and "/discovery/scans/" in response["Location"]
    # and bob (another contractor) and alice on the internal source get 404
    assert client_for(bob_logistics).post(f"/discovery/{ids['shop']}/scan/").status_code == 404
    assert client_for(alice_contractor).post(f"/discovery/{ids['internal']}/scan/").status_code == 404


def test_staff_may_not_start_a_scan(ids, staff, client_for):
    assert client_for(staff).post(f"/discovery/{ids['shop']}/scan/").status_code == 403


def test_the_scan_page_polls_its_progress_while_running(shop_source, manager, client_for):
    # given a queued scan (no worker has run yet)
    scan = services.start_scan(manager, shop_source)
    # when its page is shown
    page = client_for(manager).get(f"/discovery/scans/{scan.pk}/").content.decode()
    # then the progress fragment polls every 2 s, without inline scripts
    assert f'hx-get="/discovery/scans/{scan.pk}/progress/"' in page
    assert 'hx-trigger="every 2s"' in page
    assert "<script>" not in page


def test_the_password_is_stored_encrypted_never_shown_and_redacted_in_the_audit_trail(shop_db, manager, client_for):
    client = client_for(manager)
    # when the manager adds a database source with a password
    response = client.post(
        "/discovery/new/",
        {"name": "Shop", "kind": "database", "location": f"sqlite:///{shop_db}", "password": "Tr0ub4dor&3-pw"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    source = DataSource.objects.get(name="Shop")
    # then the database column holds no password
    with connection.cursor() as cursor:
        cursor.execute("SELECT encrypted_secret FROM discovery_datasource WHERE id = %s", [source.pk])
        (stored,) = cursor.fetchone()
    assert stored and "Tr0ub4dor" not in stored
    # and neither the detail page nor the edit form shows it
    for path in (f"/discovery/{source.pk}/", f"/discovery/{source.pk}/edit/"):
        assert "Tr0ub4dor" not in client.get(path).content.decode()
    # and the audit entry says (redacted)
    entry = AuditEntry.objects.filter(object_id=str(source.pk), action="create").latest("pk")
    assert entry.changes["encrypted_secret"][1] == "(redacted)"
    assert "Tr0ub4dor" not in str(entry.changes)


def test_a_blank_password_on_edit_keeps_the_stored_one(shop_source, manager, client_for):
    services.update_source(SYSTEM, shop_source, {}, password="keep-me")
    before = DataSource.objects.get(pk=shop_source.pk).encrypted_secret
    response = client_for(manager).post(
        f"/discovery/{shop_source.pk}/edit/",
        {"name": "Renamed", "kind": "database", "location": shop_source.location, "password": ""},
    )
    assert response.status_code == 302
    after = DataSource.objects.get(pk=shop_source.pk)
    assert after.name == "Renamed" and after.encrypted_secret == before


def test_test_connection_is_queued_and_the_page_shows_its_result(shop_source, manager, client_for):
    client = client_for(manager)
    # when the manager tests the connection
    response = client.post(f"/discovery/{shop_source.pk}/test/", follow=True)
    # then the page comes back at once, saying it is queued, and polls for the result
    page = response.content.decode()
    assert '<li class="message success">' in page and 'id="connection-test"' in page and "hx-get" in page
    # and once the worker has run it, the page shows the result
    run_jobs()
    page = client.get(f"/discovery/{shop_source.pk}/").content.decode()
    assert "Connected read-only" in page and "hx-get" not in page.split('id="connection-test"')[1][:200]


def test_test_connection_reports_the_error_without_the_password(shop_source, manager, client_for, tmp_path):
    # given a source pointing at a file that is not there, with a password stored
    services.update_source(
        SYSTEM, shop_source, {"location": f"sqlite:///{tmp_path / 'nope.sqlite3'}"}, password="s3cret-pw"
    )
    client = client_for(manager)
    # when the connection is tested
    client.post(f"/discovery/{shop_source.pk}/test/")
    run_jobs()
    page = client.get(f"/discovery/{shop_source.pk}/test/status/").content.decode()
    # then the result says why, and never shows the password
    assert "Connection failed" in page and "not found" in page
    assert "s3cret-pw" not in page


def test_a_postgres_connection_error_never_contains_the_password(db, manager):
    # given a source on a port where no server listens
    source = services.create_source(
        SYSTEM,
        {"name": "pg", "kind": "database", "location": "postgresql://scanner@127.0.0.1:9/shop"},
        password="pg-pass-123",
    )
    # when it is tested
    result = services.test_connection(manager, source)
    # then it failed with a message without the password
    assert not result.ok
    assert "pg-pass-123" not in result.message


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "database", "location": "not a url"}, "location", "database URL"),
        ({"kind": "database", "location": "oracle://u@h/db"}, "location", "unsupported database"),
        ({"kind": "database", "location": "postgresql://u:pw@h/db"}, "location", "password field"),
        ({"kind": "files", "location": "relative/path"}, "location", "absolute path"),
        ({"kind": "ftp", "location": "/srv"}, "kind", "valid choice"),
    ],
)
def test_bad_input_gets_field_errors_not_a_500(data, field, message, manager, client_for):
    # when the form is posted with a bad value
    response = client_for(manager).post("/discovery/new/", {"name": "x", **data})
    # then the form comes back with the error next to the field
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert not DataSource.objects.exists()


def test_the_api_lists_sources_without_the_password_and_starts_a_scan(shop_source, manager, client_for):
    client = client_for(manager)
    services.update_source(SYSTEM, shop_source, {}, password="api-pw")
    listing = client.get("/api/v1/data-sources/").json()
    assert "api-pw" not in str(listing) and "password" not in str(listing).replace("has_secret", "")
    response = client.post(f"/api/v1/data-sources/{shop_source.pk}/scan/")
    assert response.status_code == 202
    assert client.get(f"/api/v1/scans/{response.json()['id']}/").status_code == 200


def test_the_api_rejects_bad_input_with_field_errors(db, manager, client_for):
    response = client_for(manager).post(
        "/api/v1/data-sources/", {"name": "x", "kind": "database", "location": "nope"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "location" in response.json() or "location" in str(response.json())


def test_the_api_hides_other_contractors_sources(ids, bob_logistics, client_for):
    client = client_for(bob_logistics)
    assert client.get(f"/api/v1/data-sources/{ids['shop']}/").status_code == 404
    assert client.get(f"/api/v1/scans/{ids['shop_scan']}/").status_code == 404
