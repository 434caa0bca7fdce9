"""The dashboard as the place the PMS manager and top management look first (issue 15, item 10): the open cases with
their next legal due date, one list of what is overdue, scan findings over time as a picture with its numbers in a
hidden table, and the Privacy Mark readiness percentage — each only for the roles that may read its records, and each
number the same as on the page it links to."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mamori.accounts.models import User
from mamori.discovery.models import DataSource, Scan, ScanFinding, ScanStatus
from mamori.pms.models import Control, ControlStatus, Course, SubjectRequest

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _catalogue(db: None) -> None:
    """The requirements catalogue (a data migration; a transactional test elsewhere may have emptied it)."""
    from mamori.pms import catalogue

    if not Control.objects.exists():
        catalogue.apply(catalogue.read(), timezone.now())


def _card(html: str, card_id: str) -> str | None:
    found = re.search(rf'<section[^>]*id="{card_id}".*?</section>', html, re.S)
    return found.group(0) if found else None


def _dashboard(client_for: Callable[[User], Client], user: User) -> str:
    response = client_for(user).get(reverse("core:dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def _overdue(html: str) -> dict[str, int]:
    card = _card(html, "overdue-card") or ""
    line = r'data-overdue="(\w+)">.*?<span class="count[^"]*" data-count="(\d+)">'
    return {key: int(count) for key, count in re.findall(line, card, re.S)}


def _scan(source: DataSource, finished: dt.datetime, findings: int, prohibited: int) -> Scan:
    scan = Scan.objects.create(source=source, status=ScanStatus.SUCCEEDED, finished_at=finished)
    for n in range(findings):
        ScanFinding.objects.create(
            scan=scan,
            type="card_security_code" if n < prohibited else "email",
            severity="critical" if n < prohibited else "low",
            data_class="prohibited" if n < prohibited else "personal",
        )
    return scan


# -- who sees which card ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role_user", "readiness", "overdue", "chart"),
    [
        ("manager", True, True, True),
        ("president", True, True, True),
        ("auditor", True, True, True),
        ("staff", False, True, True),
        ("alice_contractor", False, False, False),
        ("investigator", False, False, False),
    ],
)
def test_each_card_shows_for_the_roles_that_may_read_its_records(
    client_for: Callable[[User], Client],
    request: pytest.FixtureRequest,
    invited: object,
    role_user: str,
    readiness: bool,
    overdue: bool,
    chart: bool,
) -> None:
    # given a user of each role
    user: User = request.getfixturevalue(role_user)
    # when the dashboard opens
    html = _dashboard(client_for, user)
    # then readiness, the overdue list and the findings chart are there only for the roles allowed to read them
    assert (_card(html, "readiness-card") is not None) is readiness
    assert (_card(html, "overdue-card") is not None) is overdue
    assert (_card(html, "findings-card") is not None) is chart
    # and the planned placeholders for training and internal audits are gone (the area is built)
    assert "card-planned" not in html


def test_staff_see_only_their_own_training_in_the_overdue_list(
    client_for: Callable[[User], Client], staff: User, manager: User
) -> None:
    # given a course past its due date that nobody passed
    today = timezone.localdate()
    from mamori.pms.services_training import fiscal_year

    Course.objects.create(
        title="年次教育", fiscal_year=fiscal_year(today), due_date=today - dt.timedelta(days=1), pass_mark=80
    )
    # when staff and the manager open the dashboard
    staff_lines = _overdue(_dashboard(client_for, staff))
    manager_lines = _overdue(_dashboard(client_for, manager))
    # then staff see their own overdue course only, and not the oversight lines (ledger, audits, contractors)
    assert staff_lines["training"] == 1
    assert not {"ledger", "internal_audit", "contractors"} & set(staff_lines)
    # while the manager sees everyone's and every kind
    assert (
        manager_lines["training"]
        == User.objects.filter(is_active=True).exclude(role__in=("contractor", "investigator")).count()
    )
    assert {"ledger", "training", "internal_audit", "corrective", "requests", "contractors"} <= set(manager_lines)


# -- the numbers are the linked pages' numbers -------------------------------------------------------------------


def test_the_readiness_percent_is_the_readiness_page_percent(
    client_for: Callable[[User], Client], president: User
) -> None:
    # given a third of the requirements in operation
    for i, control in enumerate(Control.objects.order_by("order")):
        if i % 3 == 0:
            control.status, control.evidence_sources = ControlStatus.IMPLEMENTED, []
            control.save()
    # when top management opens the dashboard and the readiness page
    card = _card(_dashboard(client_for, president), "readiness-card") or ""
    page = client_for(president).get(reverse("pms:readiness")).content.decode()
    # then the percentage and the progress bar say what the page says, and the card links to it
    percent = re.search(r"<strong>(\d+)%</strong>", page).group(1)  # type: ignore[union-attr]
    assert int(percent) > 0
    assert f'<progress max="100" value="{percent}"' in card
    assert f">{percent}%</strong>" in card
    assert f'href="{reverse("pms:readiness")}"' in card


def test_the_overdue_training_count_is_the_training_page_count(
    client_for: Callable[[User], Client], manager: User, staff: User, president: User
) -> None:
    # given this year's course, due yesterday, passed by nobody
    from mamori.pms.services_training import fiscal_year

    today = timezone.localdate()
    Course.objects.create(
        title="年次教育", fiscal_year=fiscal_year(today), due_date=today - dt.timedelta(days=1), pass_mark=80
    )
    # when the manager opens the dashboard and the training page
    lines = _overdue(_dashboard(client_for, manager))
    response = client_for(manager).get(reverse("pms:training"))
    # then both count the same overdue lines
    assert lines["training"] == response.context["overdue"] > 0


def test_a_request_past_its_answer_date_is_counted_until_answered(
    client_for: Callable[[User], Client], manager: User
) -> None:
    # given one request past its answer date and one still in time
    today = timezone.localdate()
    for ref, due in (("R-1", today - dt.timedelta(days=1)), ("R-2", today + dt.timedelta(days=3))):
        SubjectRequest.objects.create(
            reference=ref,
            kind="disclosure",
            received_on=today - dt.timedelta(days=20),
            channel="mail",
            requester_name="山田 太郎",
            due_date=due,
        )
    # when the manager opens the dashboard
    lines = _overdue(_dashboard(client_for, manager))
    # then exactly the late one is counted, and the line links to the requests page
    assert lines["requests"] == 1


def test_the_internal_audit_line_turns_to_zero_once_an_audit_is_reported_this_year(
    client_for: Callable[[User], Client], auditor: User
) -> None:
    from mamori.pms.models import AuditPlan, AuditPlanStatus

    # given no audit reported: the line says one is due, in words rather than as a count
    html = _dashboard(client_for, auditor)
    assert _overdue(html)["internal_audit"] == 1
    assert re.search(r'data-overdue="internal_audit">.*?data-count="1">未報告</span>', html, re.S)
    # when an audit is reported today
    today = timezone.localdate()
    AuditPlan.objects.create(
        title="年次内部監査",
        fiscal_year=today.year,
        planned_from=today,
        planned_to=today,
        lead_auditor=auditor,
        status=AuditPlanStatus.REPORTED,
        reported_at=timezone.now(),
    )
    # then nothing is overdue on that line
    html = _dashboard(client_for, auditor)
    assert _overdue(html)["internal_audit"] == 0
    assert re.search(r'data-overdue="internal_audit">.*?data-count="0">報告済み</span>', html, re.S)


# -- the chart -------------------------------------------------------------------------------------------------


def test_the_chart_hidden_table_carries_the_same_numbers_as_the_bars(
    client_for: Callable[[User], Client], manager: User
) -> None:
    # given scans completed this month (5 findings, 2 of them card data not to be stored) and two months ago (3)
    source = DataSource.objects.create(name="shop", kind="files", location="/srv/shop")
    now = timezone.now()
    _scan(source, now, findings=5, prohibited=2)
    _scan(source, now - dt.timedelta(days=62), findings=3, prohibited=0)
    # and a scan older than a year, which is left out
    _scan(source, now - dt.timedelta(days=400), findings=7, prohibited=7)
    # when the manager opens the dashboard
    card = _card(_dashboard(client_for, manager), "findings-card") or ""
    # then the SVG has a title and a description, and no inline style (the CSP forbids them)
    assert "<title" in card and "<desc" in card and "style=" not in card and "<script" not in card
    # and the hidden table has twelve months whose numbers match the bars' labels
    rows = re.findall(r"<tr><th scope=\"row\">.*?</th><td>(\d+)</td><td>(\d+)</td></tr>", card)
    assert len(rows) == 12
    table = [(int(a), int(b)) for a, b in rows]
    assert table[-1] == (5, 2)
    assert sum(f for f, _ in table) == 8 and sum(p for _, p in table) == 2
    values = [int(v) for v in re.findall(r'<text class="bar-value"[^>]*>(\d+)</text>', card)]
    assert values == [f for f, _ in table if f]
    # and the bar heights keep the proportions: the prohibited part of this month is 2/5 of its bar
    heights = [int(h) for h in re.findall(r'class="bar-findings"[^>]*height="(\d+)"', card)]
    prohibited = [int(h) for h in re.findall(r'class="bar-prohibited"[^>]*height="(\d+)"', card)]
    assert len(heights) == 2 and heights[-1] > heights[0] and prohibited == [round(heights[-1] * 2 / 5)]


def test_without_scans_in_the_last_year_the_chart_says_so_instead_of_drawing_empty_axes(
    client_for: Callable[[User], Client], manager: User
) -> None:
    # given only a scan older than a year
    source = DataSource.objects.create(name="shop", kind="files", location="/srv/shop")
    _scan(source, timezone.now() - dt.timedelta(days=400), findings=7, prohibited=7)
    # when the manager opens the dashboard
    card = _card(_dashboard(client_for, manager), "findings-card") or ""
    # then the card says there is nothing to show and how to get something, without an empty chart
    assert "この12か月に完了した走査はありません" in card
    assert "<svg" not in card and 'href="/discovery/' in card


def test_the_chart_counts_in_the_database_with_a_bounded_number_of_queries(
    client_for: Callable[[User], Client], manager: User, django_assert_max_num_queries: object
) -> None:
    # given many findings over several scans
    source = DataSource.objects.create(name="shop", kind="files", location="/srv/shop")
    now = timezone.now()
    for month in range(6):
        scan = Scan.objects.create(
            source=source, status=ScanStatus.SUCCEEDED, finished_at=now - dt.timedelta(days=31 * month)
        )
        ScanFinding.objects.bulk_create(
            ScanFinding(scan=scan, type="email", severity="low", data_class="personal") for _ in range(200)
        )
    from mamori.core.dashboard_cards import findings_chart

    # when the chart is built
    with django_assert_max_num_queries(3):  # type: ignore[operator]
        chart = findings_chart(manager)
    # then every finding is counted
    assert chart is not None and sum(bar.findings for bar in chart["bars"]) == 1200


# -- open cases with their next legal due date -----------------------------------------------------------------


def test_each_open_case_shows_its_next_legal_due_date_with_the_days_left(
    client_for: Callable[[User], Client], manager: User, president: User, alice_contractor: User, server_co: object
) -> None:
    from mamori.incidents import appi, deadlines
    from mamori.incidents.models import IncidentCase

    # given a case assessed under APPI today: a report to the PPC is required
    case = IncidentCase.objects.create(
        title="カード情報漏えいの疑い", discovered_at=timezone.now(), contractor=server_co
    )
    aware = timezone.localtime().isoformat()
    facts = {
        "aware_at": aware,
        "persons": 2507,
        "special_care": False,
        "property_damage_risk": True,
        "improper_purpose": True,
        "high_level_encryption": False,
        "key_compromised": False,
        "role": "principal",
        "notified_principal": False,
    }
    appi.assess_case(manager, case, facts)
    legal = min((d for d in deadlines.for_case(case) if ":appi:" in d.key and not d.done), key=lambda d: d.due)
    # when the manager and top management open the dashboard
    for user in (manager, president):
        html = _dashboard(client_for, user)
        listed = re.search(r'<ul class="card-list" id="open-case-deadlines">.*?</ul>', html, re.S)
        # then the case is listed with its nearest APPI due date and the days left on the case page's rule
        assert listed is not None
        assert case.title in listed.group(0)
        assert f'<time datetime="{legal.due.isoformat()}">' in listed.group(0)
    # and a contractor user keeps the short list without legal due dates
    contractor_html = _dashboard(client_for, alice_contractor)
    assert case.title in contractor_html and 'id="open-case-deadlines"' not in contractor_html


def test_the_dashboard_reads_the_same_number_of_queries_with_10000_findings_as_with_10(
    client_for: Callable[[User], Client], manager: User
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # given a shop server scanned once with 10 findings
    source = DataSource.objects.create(name="shop", kind="files", location="/srv/shop")
    client = client_for(manager)

    def queries_with(findings: int) -> int:
        scan = Scan.objects.create(source=source, status=ScanStatus.SUCCEEDED, finished_at=timezone.now())
        ScanFinding.objects.bulk_create(
            (ScanFinding(scan=scan, type="email", severity="low", data_class="personal") for _ in range(findings)),
            batch_size=2000,
        )
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("core:dashboard")).status_code == 200
        return len(captured)

    small = queries_with(10)
    # when a second scan brings 10,000 findings
    large = queries_with(10_000)
    # then the dashboard counts them in the database: no query per finding (one more scan may add one query)
    assert large <= small + 2
