"""In a real browser (Debian's Chromium): the manager sees the warning and makes the manual; the contractor user
opens it in the portal, downloads it and confirms it. Labels may be Japanese or English (catalogue not compiled
yet), so the steps find buttons by their form's address."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings

from mamori.contractors.models import ManualAcknowledgement, ManualVersion
from tests.browser import chromium_page

pytestmark = pytest.mark.browser


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with chromium_page(monkeypatch) as page:
        yield page


def sign_in(page: Any, client: Any, url: str) -> None:
    """Carry a signed-in test session (two-factor passed) into the browser."""
    page.context.clear_cookies()
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": url}])


@pytest.mark.django_db(transaction=True)
def test_the_manager_makes_the_manual_and_the_contractor_confirms_it(
    live_server: Any,
    page: Any,
    client_for: Any,
    manager: Any,
    alice_contractor: Any,
    server_co: Any,
    card_entry: Any,
    bare_contract: Any,
) -> None:
    page.set_default_timeout(15_000)
    # given the manager on the server contractor's page, with the warning about the missing clauses
    sign_in(page, client_for(manager), live_server.url)
    page.goto(f"{live_server.url}/contractors/{server_co.pk}/")
    assert page.locator('[data-kind="incident_clauses"]').is_visible()

    # when the manager makes a version of the manual
    page.locator(f'form[action="/contractors/{server_co.pk}/manual/generate/"] button').click()
    page.wait_for_selector("code.hash")
    version = ManualVersion.objects.get()
    assert page.get_by_text(version.pdf_sha256).is_visible()

    # and alice opens the portal page from her menu and confirms it
    sign_in(page, client_for(alice_contractor), live_server.url)
    page.goto(f"{live_server.url}/incidents/portal/")
    page.locator('nav a[href="/contractors/portal/manual/"]').first.click()
    page.wait_for_url(f"{live_server.url}/contractors/portal/manual/")
    with page.expect_download() as download:
        page.locator(f'a[href="/contractors/manuals/{version.pk}.pdf"]').first.click()
    assert download.value.suggested_filename.endswith("-v1.pdf")
    page.locator(f'form[action="/contractors/portal/manual/{version.pk}/acknowledge/"] button').click()

    # then her confirmation is recorded and shown, and nothing was blocked by the content security policy
    page.wait_for_url(f"{live_server.url}/contractors/portal/manual/")
    assert ManualAcknowledgement.objects.get().acknowledged_by == alice_contractor
    assert "alice" in page.locator("dl.details").inner_text()
    assert page.console_errors == []
