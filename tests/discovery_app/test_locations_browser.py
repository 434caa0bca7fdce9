"""In a real browser (Debian's Chromium through Playwright): the scan page opens a finding's locations under its
row with htmx and pages through them in place, under the site's CSP, without console errors."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.browser import chromium_page
from tests.discovery_app.conftest import scan_now
from tests.discovery_app.test_locations import card_finding, contractor_share, plant_cards

pytestmark = pytest.mark.browser


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with chromium_page(monkeypatch, height=1000) as page:
        yield page


def test_the_locations_of_a_finding_open_under_its_row_and_page_in_place(
    live_server: Any, page: Any, server_co: Any, manager: Any, client_for: Any, tmp_path: Path
) -> None:
    # given a scanned share with a card number on 120 lines, and the manager signed in (Japanese, the default)
    shared_folder = contractor_share(tmp_path, server_co)
    plant_cards(shared_folder, 120)
    scan = scan_now(shared_folder)
    finding = card_finding(scan)
    session = client_for(manager).cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/discovery/scans/{scan.pk}/")
    assert page.locator("html").get_attribute("lang") == "ja"
    rows = page.locator(f"#locations-{finding.pk} table.locations tbody tr")

    # when the manager presses the finding's location count
    page.locator(f"#finding-{finding.pk} a[href$='/locations/']").click()
    # then the first 50 locations appear under the row, without leaving the page
    rows.first.wait_for()
    assert rows.count() == 50 and page.url.endswith(f"/discovery/scans/{scan.pk}/")

    # when the next page is asked for twice
    for expected_first_line in ("51", "101"):
        page.locator(f"#locations-{finding.pk} a[rel=next]").click()
        page.wait_for_function(
            "([id, line]) => document.querySelector(`#locations-${id} tbody tr td:nth-child(2)`)"
            "?.textContent.includes(line)",
            arg=[finding.pk, expected_first_line],
        )
    # then the last page holds the last 20, and nothing was blocked or broken
    assert rows.count() == 20
    assert page.console_errors == []
    page.screenshot(
        path=str(Path(os.environ.get("MAMORI_SCREENSHOTS", tmp_path)) / "scan-locations.png"), full_page=True
    )

    # when the list is closed, then it folds away under the row
    page.locator(f"#locations-{finding.pk} a[href$='#finding-{finding.pk}']").click()
    page.wait_for_selector(f"tr#locations-{finding.pk}[hidden]", state="attached")
    assert rows.count() == 0 and page.console_errors == []
