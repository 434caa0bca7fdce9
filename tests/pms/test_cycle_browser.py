"""One PMS year in a real browser (Debian's Chromium): the manager sets a requirement and records training, the
auditor records a nonconformity, the manager opens and closes the corrective action, top management approves the
review and reads the readiness report. Buttons are found by their form's address, so the test does not depend on
the catalogue being compiled; screenshots of each step go to test-results/pms-cycle/."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from mamori.pms import services_audits, services_reviews
from mamori.pms.models import AuditResult, Control, ControlStatus, Course, ReviewStatus
from mamori.risk.models import NonconformityStatus
from tests.browser import chromium_page

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "pms-cycle"


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with chromium_page(monkeypatch) as page:
        page.set_default_timeout(20_000)
        yield page


def sign_in(page: Any, client: Any, url: str) -> None:
    page.context.clear_cookies()
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": url}])
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "ja", "url": url}])


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_one_pms_year_in_the_browser(
    live_server: Any, page: Any, client_for: Any, manager, auditor, president, staff
) -> None:
    url = live_server.url
    today = timezone.localdate()
    awareness = Control.objects.get(key="awareness")
    course = Course.objects.create(title="個人情報保護教育", fiscal_year=2026, due_date=today, pass_mark=80)

    # the manager makes staff the owner of 認識 and marks it implemented
    sign_in(page, client_for(manager), url)
    page.goto(f"{url}/pms/requirements/{awareness.pk}/edit/")
    page.select_option("#id_owner", str(staff.pk))
    page.select_option("#id_status", ControlStatus.IMPLEMENTED)
    page.locator("main form button.primary").click()
    page.wait_for_url(f"{url}/pms/requirements/{awareness.pk}/")
    shot(page, "1-requirement")
    # and records staff's training result
    page.goto(f"{url}/pms/training/{course.pk}/")
    page.select_option("#id_user", str(staff.pk))
    page.fill("#id_completed_on", today.isoformat())
    page.fill("#id_score", "90")
    page.locator(f'form[action="/pms/training/{course.pk}/attendance/"] button').click()
    page.wait_for_url(f"{url}/pms/training/{course.pk}/")
    assert course.records.get().passed
    shot(page, "2-training")

    # the auditor records a nonconformity on the audit checklist
    plan = services_audits.create_plan(
        auditor,
        {
            "title": "定期内部監査",
            "fiscal_year": 2026,
            "planned_from": today - dt.timedelta(days=1),
            "planned_to": today + dt.timedelta(days=10),
            "lead_auditor": auditor,
        },
    )
    item = plan.items.get(control__key="internal-rules")
    sign_in(page, client_for(auditor), url)
    page.goto(f"{url}/pms/audits/items/{item.pk}/")
    page.select_option("#id_result", AuditResult.NONCONFORMITY)
    page.fill("#id_observed", "委託先管理規程が改訂されていない")
    page.locator("main form button.primary").click()
    page.wait_for_url(f"{url}/pms/audits/{plan.pk}/")
    shot(page, "3-audit")

    # the manager opens the corrective action from the finding, records cause and action, and closes it
    sign_in(page, client_for(manager), url)
    page.goto(f"{url}/pms/audits/{plan.pk}/")
    page.locator(f'form[action="/pms/audits/items/{item.pk}/nonconformity/"] button').click()
    page.wait_for_url(f"{url}/risk/nonconformities/*/")
    nc_url = page.url
    page.goto(nc_url + "edit/")
    page.fill("#id_cause", "改訂の担当が決まっていなかった")
    page.fill("#id_corrective_action", "担当を決めて規程を改訂した")
    page.locator("main form button.primary").click()
    page.wait_for_url(nc_url)
    page.fill("#id_effectiveness", "改訂版の承認記録を確認した")
    page.locator('form[action$="/close/"] button').click()
    page.wait_for_url(nc_url)
    item.refresh_from_db()
    assert item.nonconformity.status == NonconformityStatus.CLOSED
    shot(page, "4-corrective-action")

    # the manager prepares the review; top management approves it and reads the readiness report
    review = services_reviews.create_review(manager, dt.date(2026, 4, 1), today)
    page.goto(f"{url}/pms/reviews/{review.pk}/")
    page.fill("#id_held_on", today.isoformat())
    page.fill("#id_minutes", "内部監査の結果と是正処置の完了を報告した")
    page.fill("#id_decisions", "来年度も教育を年1回以上実施する")
    page.locator("main form[novalidate] button.primary").last.click()
    page.wait_for_url(f"{url}/pms/reviews/{review.pk}/")
    sign_in(page, client_for(president), url)
    page.goto(f"{url}/pms/reviews/{review.pk}/")
    page.locator(f'form[action="/pms/reviews/{review.pk}/approve/"] button').click()
    page.wait_for_url(f"{url}/pms/reviews/{review.pk}/")
    review.refresh_from_db()
    assert review.status == ReviewStatus.APPROVED
    shot(page, "5-review")
    page.goto(f"{url}/pms/readiness/")
    assert page.locator("progress").first.is_visible()
    shot(page, "6-readiness")
    with page.expect_download() as download:
        page.locator('a[href="/pms/readiness.xlsx"]').first.click()
    assert download.value.suggested_filename.endswith(".xlsx")
    assert page.console_errors == []
