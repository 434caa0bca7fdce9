"""The manager's and top management's dashboard in a real browser (Debian's Chromium), in Japanese, at a desk's
width (1280 px) and a phone's (390 px): the pictures are drawn, nothing breaks the CSP, and nothing is wider than
the screen. Screenshots go to test-results/dashboard/."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from mamori.discovery.models import DataSource, Scan, ScanFinding, ScanStatus
from mamori.pms.models import Control, ControlStatus, Course
from mamori.pms.services_training import fiscal_year
from tests.browser import chromium_page

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "dashboard"


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with chromium_page(monkeypatch) as page:
        page.set_default_timeout(20_000)
        yield page


def _plant() -> None:
    """A little of everything the dashboard draws: scans over three months, a late course, some readiness."""
    from mamori.pms import catalogue

    if not Control.objects.exists():
        catalogue.apply(catalogue.read(), timezone.now())
    for i, control in enumerate(Control.objects.order_by("order")):
        if i % 2 == 0:
            control.status, control.evidence_sources = ControlStatus.IMPLEMENTED, []
            control.save()
    source = DataSource.objects.create(name="通販サイト", kind="files", location="/srv/shop")
    now = timezone.now()
    for back, (findings, prohibited) in enumerate(((6, 2), (4, 0), (9, 3))):
        scan = Scan.objects.create(
            source=source, status=ScanStatus.SUCCEEDED, finished_at=now - dt.timedelta(days=35 * back)
        )
        ScanFinding.objects.bulk_create(
            ScanFinding(
                scan=scan,
                type="card_security_code" if n < prohibited else "email",
                severity="critical" if n < prohibited else "low",
                data_class="prohibited" if n < prohibited else "personal",
            )
            for n in range(findings)
        )
    today = timezone.localdate()
    Course.objects.create(title="年次教育", fiscal_year=fiscal_year(today), due_date=today - dt.timedelta(days=3))


def _sign_in(page: Any, client: Any, url: str) -> None:
    page.context.clear_cookies()
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": url}])
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "ja", "url": url}])


@pytest.mark.django_db(transaction=True)
def test_the_managers_and_presidents_dashboard_at_desk_and_phone_width(
    live_server: Any, page: Any, client_for: Any, manager: Any, president: Any, server_case: Any
) -> None:
    # given planted scans, a late course and some requirements in operation
    _plant()
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, user in (("manager", manager), ("president", president)):
        _sign_in(page, client_for(user), live_server.url)
        for width, height in ((1280, 900), (390, 844)):
            # when the user opens the dashboard at this width
            page.set_viewport_size({"width": width, "height": height})
            page.goto(f"{live_server.url}/")
            # then it is in Japanese, the chart, the overdue list and the readiness bar are drawn
            assert page.locator("h1").inner_text() == "ダッシュボード"
            chart = page.locator("#findings-card svg.bar-chart")
            assert chart.is_visible() and chart.bounding_box()["width"] > 100
            assert page.locator("#findings-card rect.bar-prohibited").count() == 2
            assert page.locator("#overdue-card [data-overdue='training']").is_visible()
            assert page.locator("#readiness-card progress").is_visible()
            # and the hidden table is not drawn but is there for a screen reader
            table = page.locator("#findings-card div.visually-hidden").bounding_box()
            assert table is None or table["width"] <= 1 or table["height"] <= 1
            # and nothing is wider than the screen, and no CSP violation or script error occurred
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            assert page.console_errors == []
            page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
