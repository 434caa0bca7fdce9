"""In a real browser (Debian's Chromium through Playwright), in Japanese, on a phone's width (390 px): the demo
dashboard shows what needs attention, and no button breaks its label in the middle of a word (issue 13, item 9).

Screenshots go to $MAMORI_SCREENSHOTS (kept by CI) or the test's folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from mamori.accounts.models import User
from mamori.core import demo
from mamori.ledger.models import LedgerEntry
from tests.browser import chromium_page

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

# Every visible button whose label (without spaces) is drawn on more than one line: a Japanese label broken
# mid-word. Labels with spaces may wrap at a space.
WRAPPED_LABELS = """() => {
  const broken = [];
  for (const el of document.querySelectorAll('button, .button, input[type=submit]')) {
    if (!el.getClientRects().length || getComputedStyle(el).visibility === 'hidden') continue;
    const label = (el.innerText || el.value || '').trim();
    if (!label || /\\s/.test(label)) continue;
    const tops = new Set();
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const rect of range.getClientRects()) if (rect.width > 0) tops.add(Math.round(rect.top));
    }
    if (tops.size > 1) broken.push(label);
  }
  return broken;
}"""


@pytest.fixture
def phone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with chromium_page(monkeypatch) as page:
        page.set_viewport_size(PHONE)
        page.set_default_timeout(15_000)
        yield page


def _screenshots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("MAMORI_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _sign_in(page: Any, live_server: Any, client_for: Any, username: str) -> None:
    session = client_for(User.objects.get(username=username)).cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])


def test_the_demo_dashboard_on_a_phone_in_japanese(live_server: Any, phone: Any, client_for: Any, tmp_path: Path):
    # given the demo, one ledger entry never reviewed, and the manager signed in (Japanese, the default)
    demo.load_demo()
    never = LedgerEntry.objects.order_by("pk").last()
    assert never is not None
    LedgerEntry.objects.filter(pk=never.pk).update(last_reviewed=None, next_review_due=None)
    _sign_in(phone, live_server, client_for, "manager")
    # when the dashboard opens on a phone
    phone.goto(f"{live_server.url}/")
    # then it is Japanese, lists the entry never reviewed among the overdue reviews, and has the new cards
    assert phone.locator("html").get_attribute("lang") == "ja"
    assert phone.locator("h1").inner_text() == "ダッシュボード"
    review_card = phone.locator("section[aria-labelledby=card-ledger]")
    assert review_card.get_by_role("link", name=str(never)).count() == 1
    assert phone.locator("#nonconformity-card").count() == 1
    assert phone.locator("#prohibited-card").count() == 1
    # and no button label is broken, nothing was blocked, and the page is no wider than the phone
    assert phone.evaluate(WRAPPED_LABELS) == []
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert phone.console_errors == []
    phone.screenshot(path=str(_screenshots(tmp_path) / "dashboard-phone-ja.png"), full_page=True)


@pytest.mark.parametrize(
    ("username", "paths"),
    [
        (
            "manager",
            [
                "/ledger/",
                "/ledger/{entry}/",
                "/ledger/import/",
                "/discovery/",
                "/risk/",
                "/risk/nonconformities/",
                "/incidents/",
                "/incidents/{case}/",
                "/contractors/",
            ],
        ),
        ("contractor", ["/", "/incidents/{case}/", "/discovery/"]),
        ("staff", ["/", "/ledger/", "/ledger/{entry}/"]),
    ],
)
def test_no_button_breaks_its_label_on_a_phone(
    live_server: Any, phone: Any, client_for: Any, tmp_path: Path, username: str, paths: list[str]
):
    # given the demo and a demo user signed in on a phone
    demo.load_demo()
    from mamori.incidents.models import IncidentCase

    ids = {"entry": LedgerEntry.objects.order_by("pk").first().pk, "case": IncidentCase.objects.get().pk}
    _sign_in(phone, live_server, client_for, username)
    broken: dict[str, list[str]] = {}
    for path in paths:
        url = path.format(**ids)
        # when the page opens
        response = phone.goto(f"{live_server.url}{url}")
        assert response is not None and response.status < 400, (url, response and response.status)
        # then every button keeps its label on one line
        found = phone.evaluate(WRAPPED_LABELS)
        if found:
            broken[url] = found
        name = url.strip("/").replace("/", "-") or "dashboard"
        phone.screenshot(path=str(_screenshots(tmp_path) / f"phone-{username}-{name}.png"), full_page=True)
    assert broken == {}
    assert phone.console_errors == []
