"""A new user's first walk through the demo, in a real browser (Debian's Chromium), in Japanese: the manager
(with two-factor), the contractor user and a staff member each sign in and follow every menu link and every
link on the pages it leads to (bounded per route). Any stored code showing through untranslated, a Django
debug page, an error status or a console error fails the walk; so does an out-of-scope record that is not
refused with the friendly Japanese 403/404 page. Screenshots of every page go to test-results/walk/<role>/,
which CI keeps.
"""

from __future__ import annotations

import os
import re
from collections import Counter, deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pyotp
import pytest
from django.urls import Resolver404, resolve

from mamori.accounts.models import User
from mamori.contractors.models import Contractor
from mamori.core import demo
from tests.browser import chromium_page
from tests.ui import demo_world
from tests.ui.test_every_page_ja import FILES, NOT_PAGES, _scratch_locale, debug_page
from tests.ui.untranslated import untranslated_codes

pytestmark = [
    pytest.mark.browser,
    # A few minutes of clicking that the database engine does not change: once per CI run, in its SQLite pass
    # (the every-page test in test_every_page_ja.py still runs on PostgreSQL). MAMORI_WALK_ALWAYS=1 runs it anyway.
    pytest.mark.skipif(
        bool(os.environ.get("DATABASE_URL")) and not os.environ.get("MAMORI_WALK_ALWAYS"),
        reason="the browser walk runs in the SQLite pass",
    ),
]

SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "walk"
PER_ROUTE = 2
MAX_PAGES = 120  # per role: the walk stays a few minutes long however many records the demo gains
_CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with chromium_page(monkeypatch) as page:
        page.set_default_timeout(20_000)
        yield page


def sign_in(page: Any, base: str, username: str, two_factor: bool) -> None:
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(demo.DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    if two_factor:
        page.locator("#id_code").fill(pyotp.TOTP(demo.DEMO_TOTP_SECRET).now())
        page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/**")
    assert "/accounts/login/" not in page.url, f"{username} could not sign in"


def _route(path: str) -> str:
    try:
        return resolve(path).route
    except Resolver404:
        return "(no route)"


def _links(page: Any, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]:not([download])", "links => links.map(a => a.getAttribute('href'))")
    found = []
    for href in hrefs:
        parts = urlsplit(urljoin(page.url, href))
        if f"{parts.scheme}://{parts.netloc}" != base:
            continue
        if parts.path.startswith(NOT_PAGES) or FILES.search(parts.path):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def _shot(page: Any, role: str, number: int, path: str) -> None:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-") or "dashboard"
    folder = SHOTS / role
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{number:03d}-{slug[:80]}.png"), full_page=True)


def walk(page: Any, base: str, role: str, usernames: list[str]) -> dict[str, list[str]]:
    """Open every page reachable by links from the dashboard: address → problems."""
    problems: dict[str, list[str]] = {}
    per_route: Counter[str] = Counter()
    queue, seen = deque(["/"]), {"/"}
    opened = 0
    while queue and opened < MAX_PAGES:
        path = queue.popleft()
        route = _route(urlsplit(path).path)
        if per_route[route] >= PER_ROUTE:
            continue
        per_route[route] += 1
        page.console_errors.clear()
        response = page.goto(base + path)
        opened += 1
        found = []
        status = response.status if response is not None else 0
        if status != 200:
            found.append(f"status {status}")
        html = page.content()
        if debug_page(html):
            found.append("Django debug page")
        if 'lang="ja"' not in html:
            found.append("not in Japanese")
        found += [f"untranslated: {code}" for code in untranslated_codes(html, usernames)]
        found += [f"console: {message}" for message in page.console_errors]
        _shot(page, role, opened, path)
        if found:
            problems[path] = found
        for link in _links(page, base):
            if link not in seen:
                seen.add(link)
                queue.append(link)
    assert opened > 3, f"the walk as {role} found almost nothing to open"
    return problems


def refused_kindly(page: Any, base: str, role: str, path: str, expected: int) -> list[str]:
    """An out-of-scope probe: the friendly Japanese error page with the expected status, nothing else."""
    page.console_errors.clear()
    response = page.goto(base + path)
    _shot(page, role, 900 + expected, f"probe-{path}")
    html = page.content()
    found = []
    if response is None or response.status != expected:
        found.append(f"status {response.status if response else 0}, expected {expected}")
    if debug_page(html) or "URLconf" in html:
        found.append("Django debug page")
    body = page.locator("body").inner_text()
    if not _CJK.search(body):
        found.append(f"error page not in Japanese: {body[:120]!r}")
    return found


def _report(problems: dict[str, list[str]]) -> str:
    return "\n".join(f"{path}: {'; '.join(found)}" for path, found in sorted(problems.items()))


__all__ = ["_scratch_locale"]  # MAMORI_TEST_LOCALE_DIR: translations not yet merged (see test_every_page_ja)


@pytest.fixture
def world(live_server: Any, settings: Any, _scratch_locale: None) -> dict[str, Any]:
    return demo_world.build(settings)


@pytest.mark.parametrize(
    ("role", "username", "two_factor"),
    [("manager", "manager", True), ("contractor", "contractor", False), ("staff", "staff", False)],
)
def test_each_role_walks_the_demo_in_japanese_without_tripping(
    live_server: Any, page: Any, world: dict[str, Any], role: str, username: str, two_factor: bool
) -> None:
    # given the demo with a first hour's records, and the user signed in through the form
    base = live_server.url
    usernames = list(User.objects.values_list("username", flat=True))
    sign_in(page, base, username, two_factor)
    # when every menu link, and every link on the pages they lead to, is followed
    problems = walk(page, base, role, usernames)
    # and records out of the user's scope are opened by address
    other = Contractor.objects.exclude(users__username=username).order_by("pk").first()
    if role == "contractor" and other is not None:
        problems[f"probe /contractors/{other.pk}/"] = refused_kindly(page, base, role, f"/contractors/{other.pk}/", 404)
    if role != "manager":
        problems["probe /audit/"] = refused_kindly(page, base, role, "/audit/", 403)
    # then nothing was untranslated, broken or unkind
    problems = {path: found for path, found in problems.items() if found}
    assert problems == {}, f"{role}: {len(problems)} pages with problems:\n{_report(problems)}"
