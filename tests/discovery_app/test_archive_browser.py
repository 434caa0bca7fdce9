"""In a real browser, in Japanese (Debian's Chromium through Playwright): reconciliation remembers what the manager
recorded — the 記録先 column links it, a press from a stale tab opens it instead of making another, a re-scan adds
its evidence — and a scanned data source is archived through a confirmation page that asks why, never deleted."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from mamori.discovery.models import DataSource, GapRecord, Scan
from mamori.risk.models import Nonconformity
from tests.browser import chromium_page
from tests.discovery_app.conftest import scan_now

pytestmark = pytest.mark.browser
RAW_CODES = ("credit_card_number", "card_security_code", ">critical<", ">prohibited<", ">personal<")


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with chromium_page(monkeypatch, height=1000) as page:
        yield page


def sign_in(page: Any, live_server: Any, client_for: Any, user: Any) -> None:
    session = client_for(user).cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    page.set_default_timeout(15_000)


def shot(page: Any, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str(Path(os.environ.get("MAMORI_SCREENSHOTS", tmp_path)) / name), full_page=True)


def test_reconciliation_remembers_and_a_scanned_source_is_archived_not_deleted(
    live_server: Any, page: Any, shop_source: DataSource, manager: Any, client_for: Any, tmp_path: Path
) -> None:
    # given the shop database scanned once, and the manager signed in (Japanese, the default)
    first_scan = scan_now(shop_source)
    sign_in(page, live_server, client_for, manager)
    url = f"{live_server.url}/discovery/{shop_source.pk}/reconciliation/"
    page.goto(url)
    assert page.locator("html").get_attribute("lang") == "ja"
    stale = page.context.new_page()  # a second tab, opened before anything is recorded
    stale.goto(url)
    first_row = "#gaps tbody tr:first-child"

    # when the manager records the first gap as a nonconformity (不適合)
    page.locator(f"{first_row} button[value=nonconformity]").click()
    page.wait_for_load_state()
    # then the 記録先 cell of that row links the nonconformity, and its button is gone
    link = page.locator(f"{first_row} td.recorded a[href*='/risk/nonconformities/']")
    link.wait_for()
    item = Nonconformity.objects.get()
    assert link.get_attribute("href") == f"/risk/nonconformities/{item.pk}/"
    assert page.locator(f"{first_row} button[value=nonconformity]").count() == 0
    shot(page, tmp_path, "reconciliation-recorded.png")

    # when the same button is pressed in the stale tab
    stale.locator(f"{first_row} button[value=nonconformity]").click()
    stale.wait_for_url(f"**/risk/nonconformities/{item.pk}/")
    # then it opens the nonconformity already recorded: still one
    assert Nonconformity.objects.count() == 1
    stale.close()

    # when the source is scanned again and still shows the gap
    second_scan = scan_now(shop_source)
    page.goto(f"{live_server.url}/risk/nonconformities/{item.pk}/")
    # then the nonconformity lists both scans as evidence, each a link
    evidence = page.locator(".evidence-list li a")
    evidence.first.wait_for()
    assert evidence.count() == 2
    hrefs = [evidence.nth(i).get_attribute("href") for i in range(2)]
    assert any(f"scan%3A{first_scan.pk}" in h for h in hrefs) and any(f"scan%3A{second_scan.pk}" in h for h in hrefs)
    assert GapRecord.objects.get().evidence.count() == 2
    shot(page, tmp_path, "nonconformity-evidence.png")

    # and the scan page shows labels, not codes
    page.goto(f"{live_server.url}/discovery/scans/{second_scan.pk}/")
    html = page.content()
    assert not [code for code in RAW_CODES if code in html]

    # when the manager asks to archive the source from its page
    page.goto(f"{live_server.url}/discovery/{shop_source.pk}/")
    assert page.locator(f"form[action='/discovery/{shop_source.pk}/delete/']").count() == 0
    page.locator(f"a[href='/discovery/{shop_source.pk}/archive/']").click()
    page.wait_for_url(f"**/discovery/{shop_source.pk}/archive/")
    # then a confirmation page asks why; confirming without a reason changes nothing
    page.locator("form button[type=submit].danger").click()
    page.locator(".error-summary").wait_for()
    assert DataSource.objects.get(pk=shop_source.pk).archived_at is None
    assert [e for e in page.console_errors if "400" not in e] == []  # the refused form answers 400, as every form
    page.console_errors.clear()
    shot(page, tmp_path, "source-archive-confirm.png")
    # when a reason is given
    page.locator("textarea[name=reason]").fill("旧ショップDBは3月に停止。走査結果は証拠として保管。")
    page.locator("form button[type=submit].danger").click()
    page.locator("#archived-note").wait_for()
    # then the source is archived with its scans, out of the list, and nothing broke on the way
    assert DataSource.objects.get(pk=shop_source.pk).archived_at is not None
    assert Scan.objects.filter(source=shop_source).count() == 2
    page.goto(f"{live_server.url}/discovery/")
    assert page.locator(f"a[href='/discovery/{shop_source.pk}/']").count() == 0
    page.goto(f"{live_server.url}/discovery/?archived=1")
    assert page.locator(f"a[href='/discovery/{shop_source.pk}/']").count() == 1
    assert page.console_errors == []
