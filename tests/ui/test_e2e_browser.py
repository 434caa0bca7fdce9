"""End to end in a real browser: Debian's Chromium, driven by Playwright, signs in as the demo manager
with two-factor, switches the interface to English and opens the dashboard and the contractors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest

from mamori.core import demo
from tests.browser import chromium_page

pytestmark = pytest.mark.browser


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with chromium_page(monkeypatch) as page:
        yield page


def test_the_demo_manager_signs_in_switches_to_english_and_opens_the_dashboard(
    live_server: Any, page: Any, tmp_path: Path
) -> None:
    # given the demo organisation, whose manager uses two-factor authentication
    demo.load_demo()
    page.set_default_timeout(15_000)

    # when the manager signs in with password and the authenticator code
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.locator("h1").inner_text() == "ログイン"
    page.get_by_label("ユーザー名").fill("manager")
    page.get_by_label("パスワード").fill(demo.DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.get_by_label("認証アプリに表示される6桁のコード").fill(pyotp.TOTP(demo.DEMO_TOTP_SECRET).now())
    page.locator("main form button[type=submit]").click()

    # then the Japanese dashboard opens
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "ダッシュボード"
    assert page.get_by_role("heading", name="対応中のインシデント事案").is_visible()

    # when the language switch in the header is pressed
    page.get_by_role("button", name="English").click()

    # then the same page is shown in English
    page.wait_for_selector("html[lang=en]")
    assert page.locator("h1").inner_text() == "Dashboard"

    # when the manager opens the contractors and then the dashboard from the menu
    menu = page.get_by_role("navigation", name="Main menu")
    menu.get_by_role("link", name="Contractors").click()
    page.wait_for_url(f"{live_server.url}/contractors/")
    assert page.locator("h1").inner_text() == "Contractors"
    assert page.get_by_role("link", name="株式会社なにわシステムサービス").is_visible()
    menu.get_by_role("link", name="Dashboard").click()

    # then the English dashboard shows the demo incident case
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "Dashboard"
    assert page.get_by_role("link", name=demo.CASE["title"]).is_visible()
    shot = tmp_path / "dashboard-en.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    # and nothing was blocked by the content security policy, and htmx (vendored) loaded
    assert page.console_errors == []
    assert page.evaluate("typeof window.htmx") == "object"


def test_the_sign_in_form_works_from_the_keyboard_alone(live_server: Any, page: Any) -> None:
    # given the demo organisation and the sign-in page
    demo.load_demo()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    # when a keyboard user types the name, tabs to the password and presses Enter
    page.keyboard.type("staff")  # the user-name field has focus when the page opens
    page.keyboard.press("Tab")
    page.keyboard.type(demo.DEMO_PASSWORD)
    page.keyboard.press("Enter")
    # then staff (who need no two-factor) reach the dashboard
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "ダッシュボード"
    # and the language switch answers to the keyboard as well
    page.get_by_role("button", name="English").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("html[lang=en]")
    assert page.locator("h1").inner_text() == "Dashboard"
