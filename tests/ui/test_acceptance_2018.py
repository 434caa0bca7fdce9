"""Acceptance test of issue 10: the 2018 case replayed in the demo through the browser, in Japanese, as a new
user would — the card company's call opens a case, the contractor reports through its portal, acknowledges the
preservation notice and hands over a log, the manager preserves the shop database and the server logs, the hold
refuses a deletion, the APPI assessment gives categories 2, 3 and 4 with their dates, and the PPC report draft
downloads and opens.

Debian's Chromium (Playwright) against pytest-django's live server. A screenshot of each step goes to
``test-results/acceptance-2018/NN-step.png`` under the repository root (git-ignored; CI keeps the folder), with
the downloaded drafts beside them; on a failure, what each user last saw is kept as ``failed-N.png``.
"""

from __future__ import annotations

import io
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyotp
import pytest
from django.conf import settings as django_settings
from django.utils import translation

from mamori.core import demo
from mamori.discovery.demo import SOURCE_NAME
from mamori.evidence.models import Evidence
from mamori.incidents.models import IncidentCase
from mamori.jobs.backends import get_backend
from mamori.jobs.worker import Worker
from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import skip_or_fail
from tests.incidents.test_reports import ITEM_TITLES

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "acceptance-2018"
TITLE = demo.CASE["title"]
CARD_COMPANY_CALL = (
    "カード会社の不正検知部門から代表電話に連絡。当社サイトで決済したカードに不正利用が集中しているとの指摘。"
)
CONTRACTOR_REPORT = "ECサイトのサーバーに不審なファイル"
SERVER_LOG = "access.log.2018-11-05"
HOLD_REFUSAL = f"事案「{TITLE}」が証拠保全中のため削除できません。"
# The nine items of a report to the PPC (個人情報保護法施行規則第8条第1項), in this order.
PPC_ITEMS = tuple(ITEM_TITLES)
# Codes that must never reach a page untranslated: stages, how it was found, severities, task and job statuses,
# timeline and evidence kinds, channels, report kinds. ("contractor" is left out: it is also the demo
# contractor's user name, which pages show as such.)
CODES = (
    *("received", "containment", "investigation", "reporting", "prevention", "closed"),
    *("internal", "card_company", "customer", "regulator"),
    *("low", "medium", "high", "critical"),
    *("todo", "in_progress", "done", "cancelled", "queued", "running", "succeeded", "failed"),
    *("event", "action", "note", "system", "upload", "preserved_copy", "preservation_record"),
    *("database", "files", "job", "cli", "web", "principal", "ppc_preliminary", "ppc_final"),
)
CODE_PATTERN = re.compile(r"(?<![\w./:-])(" + "|".join(CODES) + r")(?![\w./:-])")
MAIN_MENU = "メインメニュー"
FORBIDDEN = "Failed to load resource: the server responded with a status of 403 (Forbidden)"


class Browser:
    """Headless Chromium set up for a Japanese user: Japanese language and the Tokyo time zone.

    Every request passes a route handler, which Playwright's synchronous API runs only while this thread is
    inside a Playwright call; so background jobs run in this thread (the only one that sees the test database)
    never overlap a request of the live server, even on a shared in-memory SQLite database.
    """

    def __init__(self, playwright: Any) -> None:
        self.browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, "--lang=ja"])
        self.console_errors: list[str] = []
        self.failed_responses: list[tuple[int, str]] = []
        self.pending: set[Any] = set()
        self.pages: list[Any] = []

    def new_page(self) -> Any:
        """A page in a context of its own: each user on their own computer."""
        context = self.browser.new_context(
            viewport={"width": 1280, "height": 900}, locale="ja-JP", timezone_id="Asia/Tokyo", accept_downloads=True
        )
        context.route("**/*", self._route)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(f"{page.url}: {m.text}"))
        page.on("pageerror", lambda e: self.console_errors.append(f"{page.url}: {e}"))
        page.on("response", lambda r: r.status >= 400 and self.failed_responses.append((r.status, r.url)))
        page.on("requestfinished", lambda r: self.pending.discard(r))
        page.on("requestfailed", lambda r: self.pending.discard(r))
        self.pages.append(page)
        return page

    def _route(self, route: Any) -> None:
        self.pending.add(route.request)
        route.continue_()

    def run_jobs(self, page: Any) -> int:
        """Run the queued background jobs with the project's worker in burst mode, between two requests."""
        deadline = time.monotonic() + 10
        while self.pending and time.monotonic() < deadline:
            page.wait_for_timeout(20)
        # A worker's thread has no language switch: it writes in the site's language, as here.
        with translation.override(django_settings.LANGUAGE_CODE):
            return Worker(get_backend(), name="acceptance-worker", poll_seconds=0).run(burst=True)

    def close(self, failed: bool) -> None:
        if failed:  # what each user last saw, next to the steps' screenshots
            for number, page in enumerate(self.pages, start=1):
                page.screenshot(path=str(SCREENSHOTS / f"failed-{number}.png"), full_page=True)
        self.browser.close()


@pytest.fixture
def chromium(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        skip_or_fail(f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's ORM calls here are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    with sync_playwright() as playwright:
        browser = Browser(playwright)
        failures = request.session.testsfailed
        try:
            yield browser
        finally:
            browser.close(failed=request.session.testsfailed > failures)
            print(f"screenshots: {SCREENSHOTS}")  # shown with -s, and in a failure's captured output


@dataclass
class Replay:
    """The live server's address, the two users' pages, and the numbered screenshots of the steps."""

    url: str
    browser: Browser
    manager: Any
    contractor: Any
    number: int = 0

    def shot(self, page: Any, name: str, part: Any = None) -> None:
        """Check that the page speaks Japanese, then keep a screenshot of it (or of one part of it)."""
        looks_japanese(page)
        self.number += 1
        path = str(SCREENSHOTS / f"{self.number:02d}-{name}.png")
        (part or page).screenshot(path=path)

    def case_url(self) -> str:
        return f"{self.url}/incidents/{IncidentCase.objects.get(title=TITLE).pk}/"


def looks_japanese(page: Any) -> None:
    """The page is in Japanese and shows no untranslated code (stage, kind, status ...)."""
    assert page.locator("html").get_attribute("lang") == "ja"
    text = page.locator("main").inner_text()
    leftovers = [text[max(0, m.start() - 30) : m.end() + 30] for m in CODE_PATTERN.finditer(text)]
    assert not leftovers, f"untranslated codes on {page.url}: {leftovers}"


def sign_in(page: Any, url: str, username: str, two_factor: bool) -> None:
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(demo.DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    if two_factor:
        page.get_by_label("認証アプリに表示される6桁のコード").fill(pyotp.TOTP(demo.DEMO_TOTP_SECRET).now())
        page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{url}/")
    assert page.locator("h1").inner_text() == "ダッシュボード"


def menu(page: Any, name: str) -> None:
    page.get_by_role("navigation", name=MAIN_MENU).get_by_role("link", name=name, exact=True).click()


def forced_post(page: Any, action: str, fields: dict[str, str] | None = None) -> None:
    """What a determined user can still send: a POST with a valid CSRF token for a button that is not offered."""
    page.evaluate(
        """([action, fields]) => {
            const form = document.createElement("form");
            form.method = "post";
            form.action = action;
            const token = document.querySelector("input[name=csrfmiddlewaretoken]").value;
            for (const [name, value] of Object.entries({csrfmiddlewaretoken: token, ...fields})) {
                const input = document.createElement("input");
                input.type = "hidden";
                input.name = name;
                input.value = value;
                form.appendChild(input);
            }
            document.body.appendChild(form);
            form.submit();
        }""",
        [action, fields or {}],
    )


def server_logs() -> Path:
    """A few log files of the shop's web server, in the demo data folder (allow-listed in development)."""
    folder = Path(django_settings.DATA_DIR) / "demo" / "server-logs"
    folder.mkdir(parents=True, exist_ok=True)
    client = '203.0.113.7 - - [{day}/Nov/2018:0{hour}:11:09 +0900] "{request} HTTP/1.1" 200\n'
    lines = {
        "access.log.2018-11-04": client.format(day="04", hour=2, request="GET /shopping/confirm.php"),
        SERVER_LOG: client.format(day="05", hour=3, request="POST /admin/plugin/upload.php"),
        "error.log": "[Mon Nov 05 03:42:18 2018] [warn] PHP Warning: eval() in plg_card_log.php on line 12\n",
    }
    for name, line in lines.items():
        (folder / name).write_text(line * 50, encoding="utf-8")
    return folder


def read_back(path: Path) -> str:
    """The text of a downloaded draft, as a reader opens it (pypdf for PDF, python-docx for DOCX)."""
    data = path.read_bytes()
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    from docx import Document

    document = Document(io.BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


@pytest.fixture
def replay(live_server: Any, chromium: Browser, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Replay:
    """The demo organisation on the morning of the call: its users, the shop's ledger entries and database, the
    server contractor — but not yet the case the demo brings (cases are never deleted, so it is not loaded)."""
    monkeypatch.setattr(demo, "_case", lambda *args: None)
    monkeypatch.setattr(demo, "_invite", lambda *args: None)
    demo.load_demo()
    assert not IncidentCase.objects.exists()
    # The development allow-list: the demo data folder and the local database servers.
    settings.MAMORI_SCAN_ALLOW = [str(Path(settings.DATA_DIR) / "demo"), "localhost", "127.0.0.1"]
    return Replay(live_server.url, chromium, chromium.new_page(), chromium.new_page())


def test_the_2018_case_replayed_in_japanese(replay: Replay) -> None:
    # given the demo on the morning of the card company's call, and the server's logs at the contractor's
    logs = server_logs()
    # when the manager opens the case and asks the contractor to keep everything
    the_card_company_call_opens_a_case(replay)
    # and the contractor reports through its portal, acknowledges the notice and hands over a log
    the_contractor_reports_acknowledges_and_uploads(replay, logs / SERVER_LOG)
    # and the manager preserves the shop database and the server logs
    the_manager_preserves_the_database_and_the_logs(replay, logs)
    # then the hold refuses every deletion the manager tries
    refused = the_hold_refuses_deletion(replay)
    # and the APPI assessment gives categories 2, 3 and 4 with the due dates
    the_assessment_gives_categories_2_3_4_with_dates(replay)
    # and the PPC report draft downloads and opens with the nine items
    the_ppc_report_draft_downloads_and_opens(replay)
    # and nothing went wrong on the way: no console error, no failed request but the refused deletion
    assert replay.browser.console_errors == [f"{refused}: {FORBIDDEN}"]
    assert replay.browser.failed_responses == [(403, refused)]


def the_card_company_call_opens_a_case(replay: Replay) -> None:
    """Step 1: the protection manager (two-factor) writes down the card company's warning."""
    page = replay.manager
    sign_in(page, replay.url, "manager", two_factor=True)
    menu(page, "インシデント")
    page.get_by_role("link", name="インシデントを報告").click()
    assert page.locator("h1").inner_text() == "インシデントを報告"
    page.get_by_label("件名").fill(TITLE)
    page.get_by_label("覚知の経緯").select_option(label="カード会社")
    page.get_by_label("誰が誰に、どのように伝えたか").fill(CARD_COMPANY_CALL)
    page.get_by_label("覚知日時").fill("2018-11-06T10:00")  # Tokyo time, as the label says
    page.get_by_label("重要度").select_option(label="重大")
    page.get_by_label("個人データの漏えい等のおそれ").check()
    page.get_by_label("概要").fill(demo.CASE["summary"])
    page.get_by_label("関係する委託先").select_option(label="株式会社なにわシステムサービス")
    page.get_by_label("関係する台帳の項目").select_option(
        label=["PI-0001 オンラインショップ会員情報", "PI-0002 クレジットカード決済記録"]
    )
    page.get_by_label("関係するデータソース").select_option(label=SOURCE_NAME)
    page.get_by_label("漏えい等の期間(開始)").fill("2017-05-02")
    page.get_by_label("漏えい等の期間(終了)").fill("2018-11-06")
    page.get_by_label("対象となる本人の数").fill("2507")
    page.get_by_label("対応手順書").select_option(label="ECサイトからのカード情報漏えい(の疑い)")
    replay.shot(page, "card-company-call", page.locator("main"))
    page.get_by_role("button", name="事案を登録する").click()

    page.get_by_role("heading", level=1, name=TITLE).wait_for()
    assert page.url == replay.case_url()
    head = page.locator(".page-head")
    assert head.locator("#legal-hold").inner_text() == "証拠保全中"
    assert head.locator("#case-stage").inner_text() == "受付"
    facts = page.locator("section[aria-labelledby=facts-title]").inner_text()
    assert "2018-11-06 10:00" in facts and "カード会社" in facts and "2,507" in facts
    replay.shot(page, "case-opened")
    tasks = page.locator("#tasks")
    assert tasks.locator("tbody tr").count() == 12  # the card-breach playbook's steps
    assert tasks.get_by_text("サーバーイメージ・ログの保全(委託先に削除禁止を書面で指示)").is_visible()
    assert tasks.get_by_text("個人情報保護委員会への速報").is_visible()
    replay.shot(page, "playbook-tasks", tasks)

    page.get_by_role("link", name="委託先に証拠保全を依頼する").click()
    assert page.locator("h1").inner_text() == "証拠保全を依頼する"
    replay.shot(page, "preservation-notice")
    page.get_by_role("button", name="送信").click()
    page.locator("#portal").get_by_text("未確認").wait_for()


def the_contractor_reports_acknowledges_and_uploads(replay: Replay, log: Path) -> None:
    """Step 2: the server contractor's user reports through the portal, then acts on the client's notice."""
    page = replay.contractor
    sign_in(page, replay.url, "contractor", two_factor=False)
    menu(page, "委託先ポータル")
    page.get_by_role("link", name="事故（の疑い）を報告する").click()
    page.get_by_label("何が起きたか（短く）").fill(CONTRACTOR_REPORT)
    page.get_by_label("現時点でわかっていること").fill(
        "カード会社からの連絡を受けて調査したところ、管理画面のプラグインに見覚えのないファイルがありました。"
        "サーバーは停止せず、ログとディスクはそのまま保全しています。"
    )
    replay.shot(page, "contractor-report", page.locator("main"))
    page.get_by_role("button", name="報告を送る").click()
    page.get_by_role("heading", level=1, name=CONTRACTOR_REPORT).wait_for()
    assert page.get_by_text("報告を委託元に送りました。").is_visible()
    replay.shot(page, "contractor-report-sent")

    menu(page, "委託先ポータル")
    page.locator("section[aria-labelledby=pending-title]").get_by_role("link", name=TITLE).click()
    page.get_by_role("heading", level=1, name=TITLE).wait_for()
    page.get_by_role("button", name="確認しました（すべて保全します）").click()
    notices = page.locator("section[aria-labelledby=notices-title]")
    notices.locator(".status-ok").get_by_text(re.compile("堺 一郎.*が確認$")).wait_for()
    page.get_by_label("ファイル").set_input_files(str(log))
    page.get_by_label("内容の説明").fill("Webサーバーのアクセスログ(11月5日分)")
    page.get_by_role("button", name="アップロード").click()
    page.locator("section[aria-labelledby=evidence-title]").get_by_text(log.name).wait_for()
    replay.shot(page, "contractor-acknowledged-and-uploaded", page.locator("main"))


def the_manager_preserves_the_database_and_the_logs(replay: Replay, logs: Path) -> None:
    """Step 3: 今すぐ保全 on the linked shop database, then on the log folder; the page polls the jobs."""
    page = replay.manager
    page.goto(replay.case_url())
    page.get_by_role("button", name=f"今すぐ保全: {SOURCE_NAME}").click()
    page.get_by_role("heading", level=1, name="今すぐ保全").wait_for()
    assert replay.browser.run_jobs(page) >= 1
    done = page.locator("tr[id^=preservation-] .status-ok")
    done.get_by_text("保全済み").wait_for()  # shown by the page's own polling
    page.get_by_label("Mamori サーバー上のパス（1 行に 1 つ）").fill(str(logs))
    page.get_by_role("button", name="これらのファイルを保全").click()
    page.get_by_text("証拠保全を受け付けました。").wait_for()
    assert replay.browser.run_jobs(page) >= 1
    done.nth(1).wait_for()
    case = IncidentCase.objects.get(title=TITLE)
    copies = list(Evidence.objects.filter(case=case, kind="preserved_copy").order_by("pk"))
    assert len(copies) == 2 and all(copy.encrypted for copy in copies)
    preservations = page.locator("section", has=page.get_by_role("heading", name="この事案の証拠保全"))
    for copy in copies:
        assert preservations.get_by_text(copy.sha256).is_visible()
    replay.shot(page, "preserved-database-and-logs", preservations)

    page.goto(replay.case_url())
    locker = page.locator("#evidence")
    assert locker.get_by_text("証拠保全中", exact=True).is_visible()
    for copy in copies:
        row = locker.locator("tr", has=page.get_by_role("link", name=copy.name))
        assert "証拠保全コピー" in row.inner_text() and row.get_by_text("暗号化").is_visible()
        assert copy.sha256.startswith(row.locator("code").inner_text().rstrip("…"))
    assert locker.locator("tr", has=page.get_by_role("link", name=SERVER_LOG)).get_by_text("堺 一郎").is_visible()
    replay.shot(page, "evidence-locker", locker)


def the_hold_refuses_deletion(replay: Replay) -> str:
    """Step 4: 削除 of the linked data source is disabled with the reason, a forced POST is 403, and a preserved
    copy cannot be destroyed either. Returns the address of the refused deletion."""
    page = replay.manager
    page.locator("section[aria-labelledby=facts-title]").get_by_role("link", name=SOURCE_NAME).click()
    assert page.get_by_role("button", name="削除").is_disabled()
    assert page.get_by_text(HOLD_REFUSAL).is_visible()
    replay.shot(page, "delete-disabled")
    source_url = page.url
    forced_post(page, f"{source_url}delete/")
    page.wait_for_url(f"{source_url}delete/")
    assert page.locator("h1").inner_text() == "403 権限がありません"
    assert "証拠保全中のため削除できません" in page.locator("main").inner_text()  # the page says why
    replay.shot(page, "delete-refused")
    page.goto(source_url)
    assert page.locator("h1").inner_text() == SOURCE_NAME  # still there

    page.goto(replay.case_url())
    copy = Evidence.objects.filter(kind="preserved_copy").order_by("pk").first()
    assert copy is not None
    page.locator("#evidence").get_by_role("link", name=copy.name).click()
    page.get_by_text("この証拠保全コピーを廃棄").click()
    assert page.get_by_text(HOLD_REFUSAL).is_visible()
    assert page.get_by_role("button", name="廃棄").count() == 0
    replay.shot(page, "destroy-refused", page.locator("main"))
    detail_url = page.url
    forced_post(page, f"{detail_url}destroy/", {"reason": "不要になったため"})
    page.wait_for_url(detail_url)  # refused: back on the copy, with the case under hold named
    page.locator(".messages .error").get_by_text(HOLD_REFUSAL).wait_for()
    copy.refresh_from_db()
    assert not copy.is_destroyed
    return f"{source_url}delete/"


def the_assessment_gives_categories_2_3_4_with_dates(replay: Replay) -> None:
    """Step 5: the APPI panel's form, filled in from the case; categories 2, 3, 4 and the 2018 dates."""
    page = replay.manager
    page.goto(replay.case_url())
    appi = page.locator("#appi")
    assert appi.get_by_label("覚知日時").input_value() == "2018-11-06T10:00"
    assert appi.get_by_label("本人の数").input_value() == "2507"
    appi.get_by_label(re.compile("財産的被害")).check()
    appi.get_by_label(re.compile("不正の目的")).check()
    assert appi.get_by_role("radio", name=re.compile("委託元")).is_checked()  # the shop outsourced its server
    replay.shot(page, "appi-facts", appi)
    appi.get_by_role("button", name="判定する").click()

    appi.get_by_text("報告・本人通知が必要").wait_for()
    categories = appi.locator(".appi-categories li").all_inner_texts()
    assert [c.split(":")[0] for c in categories] == ["第2号", "第3号", "第4号"], categories
    assert "財産的被害" in categories[0] and "不正の目的" in categories[1] and "1,000人を超える" in categories[2]
    rows = appi.locator(".appi-conclusions tbody tr").all()
    conclusions = {row.locator("th").inner_text(): row.locator("td").first.inner_text() for row in rows}
    assert conclusions["個人情報保護委員会への報告"] == "必要"
    assert conclusions["本人への通知"] == "必要"
    assert conclusions["速報（おおむね3〜5日以内）"] == "2018-11-08 – 2018-11-10"
    assert conclusions["確報（60日以内）"] == "2019-01-04"
    replay.shot(page, "appi-assessment", appi)


def the_ppc_report_draft_downloads_and_opens(replay: Replay) -> None:
    """Step 6: the preliminary report's PDF and DOCX from the reports panel, read back as a reader opens them."""
    page = replay.manager
    reports = page.locator("#reports")
    japanese = reports.locator("tr", has=page.get_by_role("rowheader", name="個人情報保護委員会への報告（速報）"))
    replay.shot(page, "report-drafts", reports)
    for fmt in ("PDF", "DOCX"):
        with page.expect_download() as download:
            japanese.locator("td").first.get_by_role("link", name=fmt).click()
        saved = SCREENSHOTS / download.value.suggested_filename
        download.value.save_as(saved)
        content = read_back(saved)
        positions = [content.find(title) for title in PPC_ITEMS]
        assert all(p >= 0 for p in positions), (fmt, [t for t, p in zip(PPC_ITEMS, positions, strict=True) if p < 0])
        assert positions == sorted(positions), fmt
        assert "2,507" in content, fmt
