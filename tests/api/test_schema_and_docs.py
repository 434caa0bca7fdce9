"""The OpenAPI 3 schema and the docs pages: valid, complete, and working under the site's CSP (no CDN,
no inline script)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

EXPECTED_PATHS = [
    "/api/v1/contractors/",
    "/api/v1/contractors/{id}/",
    "/api/v1/cases/",
    "/api/v1/cases/{id}/",
    "/api/v1/users/",
    "/api/v1/users/{id}/",
    "/api/v1/users/{id}/unlock/",
    "/api/v1/audit-entries/",
    "/api/v1/audit-entries/{id}/",
    "/api/v1/me/",
    "/api/v1/auth/token/",
]


class _Assets(HTMLParser):
    """Collects every script, stylesheet and icon reference, and inline script or style."""

    def __init__(self) -> None:
        super().__init__()
        self.references: list[str] = []
        self.inline: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            if values.get("src"):
                self.references.append(values["src"] or "")
            elif values.get("type") != "application/json":  # a data block, never executed
                self._in = "script"
        elif tag == "link" and values.get("href"):
            self.references.append(values["href"] or "")
        elif tag == "style":
            self._in = "style"
        for name, _value in attrs:
            if name.startswith("on"):
                self.inline.append(f"{tag} {name}=")

    def handle_data(self, data: str) -> None:
        if self._in and data.strip():
            self.inline.append(f"{self._in}: {data.strip()[:60]}")

    def handle_endtag(self, tag: str) -> None:
        self._in = None


def _schema(client) -> dict:
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_schema_is_valid_openapi_3_and_lists_every_endpoint(staff, client_for):
    # when
    schema = _schema(client_for(staff))
    # then
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)
    for path in EXPECTED_PATHS:
        assert path in schema["paths"], path
    assert {"tokenAuth", "sessionAuth"} <= set(schema["components"]["securitySchemes"])


def test_the_schema_documents_filters_and_pagination(staff, client_for):
    schema = _schema(client_for(staff))
    parameters = {p["name"] for p in schema["paths"]["/api/v1/audit-entries/"]["get"]["parameters"]}
    assert {"action", "object_type", "object_id", "actor_username", "created_after", "created_before"} <= parameters
    assert {"page", "page_size", "ordering", "search"} <= parameters


def test_the_schema_builds_without_warnings(tmp_path):
    # when / then: the command fails on any warning or on an invalid schema
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3.")


def test_the_schema_needs_a_signed_in_user(client):
    response = client.get("/api/schema/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_the_docs_page_loads_only_local_static_files_and_no_inline_script(client):
    # when
    response = client.get("/api/docs/")
    # then
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
    page = _Assets()
    page.feed(response.content.decode())
    assert page.inline == []
    assert len(page.references) >= 4
    for url in page.references:
        assert url.startswith("/static/") or url.startswith("/api/docs/?"), url
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), f"{url} is not a file of this installation"
    assert not re.search(r"https?://", response.content.decode())


def test_the_docs_start_up_script_is_a_same_origin_file_pointing_at_the_schema(client):
    # when
    response = client.get("/api/docs/?script=")
    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    body = response.content.decode()
    assert "SwaggerUIBundle" in body and '"/api/schema/"' in body


@pytest.mark.parametrize("path", ["/api/v1/", "/api/v1/cases/", "/api/v1/contractors/{server_co}/"])
def test_the_browsable_api_works_under_the_csp(world, client_for, path):
    # given
    users, ids = world
    # when
    response = client_for(users["manager"]).get(path.format(**ids), HTTP_ACCEPT="text/html")
    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = _Assets()
    page.feed(response.content.decode())
    scripts_and_styles = [u for u in page.references if u.endswith((".js", ".css"))]
    assert scripts_and_styles and all(u.startswith("/static/") for u in scripts_and_styles)
    assert not [i for i in page.inline if i.startswith("script")]
