"""Every page, in Japanese, as the protection manager, with the demo's records: no stored code shows through
untranslated (``credit_card_number``, ``login``, ``discovery.scan``, ``ledger.ledgerentry``), and no choice list
has two choices that read the same.

The pages are found the way a user finds them: from the dashboard, following every link (bounded per route;
buttons that POST, downloads and the contractors' portal are not followed). ``MUST_REACH`` names the pages
the walk has to find, so that a broken menu cannot make it pass by seeing nothing.

To check translations not yet merged into src/mamori/locale, point MAMORI_TEST_LOCALE_DIR at a scratch copy
with the new entries compiled in (it is searched first); never in CI.
"""

from __future__ import annotations

import os
import re
from collections import Counter, deque
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import Resolver404, resolve

from mamori.accounts.models import User
from tests.ui import demo_world
from tests.ui.untranslated import duplicate_labels, untranslated_codes

pytestmark = pytest.mark.django_db

PER_ROUTE = 3  # different addresses opened per route (three risks are enough to see a risk page)
MAX_PAGES = 600
_HREF = re.compile(r"<a\b([^>]*)>", re.I)
_ATTR_HREF = re.compile(r'\bhref="([^"]*)"')
FILES = re.compile(r"\.(csv|xlsx|docx|pdf|zip|json|txt|log)$|/download/|/export/?$|/manual/generate/")
NOT_PAGES = ("/api/", "/static/", "/media/", "/i18n/", "/accounts/logout/", "/healthz")

MUST_REACH = {
    "",
    "audit/",
    "audit/record/<str:object_type>/<str:object_id>/",
    "jobs/",
    "jobs/<uuid:pk>/",
    "ledger/",
    "ledger/<int:pk>/",
    "risk/",
    "risk/<int:pk>/",
    "risk/nonconformities/",
    "risk/nonconformities/<int:pk>/",
    "discovery/",
    "discovery/<int:pk>/",
    "discovery/scans/<int:pk>/",
    "incidents/",
    "incidents/<int:pk>/",
    "evidence/cases/<int:case_id>/",
    "contractors/",
    "contractors/<int:pk>/",
    "accounts/users/",
}


def debug_page(html: str) -> bool:
    return "Traceback" in html or "Django tried these URL patterns" in html or 'id="traceback"' in html


@pytest.fixture
def _scratch_locale(settings: Any) -> None:
    extra = os.environ.get("MAMORI_TEST_LOCALE_DIR")
    if extra:
        settings.LOCALE_PATHS = [extra, *django_settings.LOCALE_PATHS]


def _links(page: str, base: str) -> list[str]:
    found = []
    for attrs in _HREF.findall(page):
        if re.search(r"\bdownload\b", attrs):
            continue
        href = _ATTR_HREF.search(attrs)
        if not href:
            continue
        url = urljoin(base, href.group(1).replace("&amp;", "&"))
        parts = urlsplit(url)
        if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path.startswith(NOT_PAGES) or FILES.search(parts.path):
            continue
        found.append(path)
    return found


def crawl(client: Client, start: str = "/") -> tuple[dict[str, int], dict[str, list[str]], Counter[str]]:
    """Open every page reachable by links from ``start``: address → status, address → problems, routes seen."""
    statuses: dict[str, int] = {}
    problems: dict[str, list[str]] = {}
    per_route: Counter[str] = Counter()
    usernames = list(User.objects.values_list("username", flat=True))
    queue, seen = deque([start]), {start}
    while queue and len(statuses) < MAX_PAGES:
        url = queue.popleft()
        try:
            route = resolve(urlsplit(url).path).route
        except Resolver404:
            route = "(no route)"
        if per_route[route] >= PER_ROUTE:
            continue
        per_route[route] += 1
        try:
            response = client.get(url)
        except Exception as exc:  # a page that breaks: reported with the others, the walk goes on
            statuses[url], problems[url] = 500, [f"error: {type(exc).__name__}: {exc}"[:300]]
            continue
        statuses[url] = response.status_code
        if response.status_code in (301, 302):
            target = response["Location"]
            if target not in seen:
                seen.add(target)
                queue.append(target)
            continue
        if not response["Content-Type"].startswith("text/html"):
            continue
        page = response.content.decode()
        found = []
        if response.status_code != 200:
            found.append(f"status {response.status_code}")
        if debug_page(page):
            found.append("Django debug page")
        if 'lang="ja"' not in page:
            found.append("not in Japanese")
        if re.search(r">\s*None\s*<", page):
            found.append("Python's None shown as text")
        found += [f"untranslated: {code}" for code in untranslated_codes(page, usernames)]
        if found:
            problems[url] = found
        for link in _links(page, url):
            if link not in seen:
                seen.add(link)
                queue.append(link)
    return statuses, problems, per_route


def test_every_page_is_japanese_through_and_through_for_the_manager(
    client_for: Callable[[User], Client], settings: Any, _scratch_locale: None
) -> None:
    # given the demo with a first hour's records, and the manager signed in (Japanese, the default)
    world = demo_world.build(settings)
    client = client_for(world["manager"])
    # when every page reachable from the dashboard is opened
    statuses, problems, per_route = crawl(client)
    # then each one answers, in Japanese, with no stored code showing through
    # and the walk found the pages it must find
    unreached = sorted(MUST_REACH - set(per_route))
    report = "\n".join(f"{url}: {'; '.join(found)}" for url, found in sorted(problems.items()))
    assert problems == {}, f"pages with problems ({len(problems)} of {len(statuses)}):\n{report}"
    assert unreached == [], "pages the walk did not reach from the dashboard:\n" + "\n".join(unreached)


def test_no_choice_list_has_two_choices_that_read_the_same_in_japanese(_scratch_locale: None) -> None:
    # given every choice list of the project (TextChoices and the like), in Japanese
    # then no two choices of one list have the same label (二つの「対応中」 for open and being treated)
    assert duplicate_labels("ja") == []
