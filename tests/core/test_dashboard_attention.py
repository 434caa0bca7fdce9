"""The dashboard shows what needs attention (issue 13, item 9): card data found that must not be stored, open
nonconformities, and ledger reviews overdue by the same rule the ledger page uses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from mamori.accounts.policy import SYSTEM
from mamori.discovery.models import DataSource, Scan, ScanFinding, ScanStatus, SourceKind
from mamori.ledger import services as ledger
from mamori.ledger.models import LedgerEntry, review_overdue_q
from mamori.risk.models import Nonconformity, NonconformityStatus

pytestmark = pytest.mark.django_db


def _scan(source: DataSource, days_ago: int, *findings: tuple[str, str]) -> Scan:
    when = timezone.now() - dt.timedelta(days=days_ago)
    scan = Scan.objects.create(source=source, status=ScanStatus.SUCCEEDED, created_at=when, finished_at=when)
    for type_, data_class in findings:
        severity = "critical" if data_class == "prohibited" else "medium"
        ScanFinding.objects.create(
            scan=scan, type=type_, table="dtb_order", column=type_, rows_matched=42, severity=severity,
            data_class=data_class,
        )  # fmt: skip
    return scan


@pytest.fixture
def shop_db(server_co) -> DataSource:
    return DataSource.objects.create(
        name="ECサイトDB", kind=SourceKind.DATABASE, location="sqlite:////srv/shop.sqlite3", contractor=server_co
    )


def test_card_data_the_newest_scan_still_finds_is_on_the_dashboard(manager, client_for, shop_db):
    # given: the newest scan of the shop database finds card numbers (prohibited) and e-mail addresses (personal)
    _scan(shop_db, 3, ("credit_card_number", "prohibited"))
    newest = _scan(shop_db, 1, ("credit_card_number", "prohibited"), ("email_address", "personal"))
    # when
    response = client_for(manager).get("/")
    # then: one prohibited finding, linked to its scan; the personal one is not in this card
    assert response.status_code == 200
    assert response.context["prohibited_count"] == 1
    [shown] = response.context["prohibited_findings"]
    assert shown.scan_id == newest.pk and shown.data_class == "prohibited"
    page = response.content.decode()
    assert 'id="prohibited-card"' in page and f"/discovery/scans/{newest.pk}/" in page


def test_card_data_a_later_scan_no_longer_finds_leaves_the_dashboard(manager, client_for, shop_db):
    # given: card numbers found last week, and a scan yesterday that found only e-mail addresses
    _scan(shop_db, 7, ("credit_card_number", "prohibited"))
    _scan(shop_db, 1, ("email_address", "personal"))
    # when
    response = client_for(manager).get("/")
    # then
    assert response.context["prohibited_count"] == 0


def test_a_contractor_user_sees_only_card_data_of_its_own_sources(alice_contractor, bob_logistics, client_for, shop_db):
    # given: the shop database is run by alice's contractor
    _scan(shop_db, 1, ("credit_card_number", "prohibited"))
    # when
    alice = client_for(alice_contractor).get("/")
    bob = client_for(bob_logistics).get("/")
    # then
    assert alice.context["prohibited_count"] == 1
    assert bob.context.get("prohibited_count", 0) == 0


def test_open_and_corrected_nonconformities_are_on_the_dashboard_closed_ones_are_not(manager, staff, client_for):
    # given
    Nonconformity.objects.create(title="カード番号を保持していた", status=NonconformityStatus.OPEN)
    Nonconformity.objects.create(title="委託先の監査未実施", status=NonconformityStatus.CORRECTED)
    Nonconformity.objects.create(title="古い指摘", status=NonconformityStatus.CLOSED)
    # when
    response = client_for(manager).get("/")
    # then
    assert response.context["nonconformity_count"] == 2
    titles = {nc.title for nc in response.context["nonconformities"]}
    assert titles == {"カード番号を保持していた", "委託先の監査未実施"}
    assert "古い指摘" not in response.content.decode()


def test_a_role_that_may_not_see_nonconformities_gets_no_card(alice_contractor, client_for):
    # given
    Nonconformity.objects.create(title="カード番号を保持していた", status=NonconformityStatus.OPEN)
    # when
    response = client_for(alice_contractor).get("/")
    # then
    assert "nonconformities" not in response.context
    assert "カード番号を保持していた" not in response.content.decode()


def test_an_entry_without_review_dates_is_overdue_on_the_ledger_and_on_the_dashboard(manager, client_for):
    # given: an entry never reviewed (no dates), one reviewed on time, one overdue since yesterday
    today = timezone.localdate()
    never = ledger.create_entry(SYSTEM, {"reference": "PI-0100", "name": "問い合わせ履歴", "department": "CS課"})
    ledger.create_entry(
        SYSTEM,
        {"reference": "PI-0101", "name": "従業員名簿", "department": "総務部", "last_reviewed": today},
    )
    late = ledger.create_entry(
        SYSTEM,
        {
            "reference": "PI-0102",
            "name": "採用応募者",
            "department": "総務部",
            "last_reviewed": today - dt.timedelta(days=400),
            "next_review_due": today - dt.timedelta(days=1),
        },
    )
    client = client_for(manager)
    # when
    dashboard = client.get("/")
    ledger_page = client.get("/ledger/", {"overdue": "1"})
    # then: the ledger flags both, and the dashboard lists the same two (the never-reviewed one first)
    assert never.review_overdue() and late.review_overdue()
    assert [e.reference for e in dashboard.context["ledger_due"]] == ["PI-0100", "PI-0102"]
    assert dashboard.context["ledger_due_count"] == 2
    assert {e.reference for e, _contractors in ledger_page.context["rows"]} == {"PI-0100", "PI-0102"}
    # and one rule decides both: the queryset rule and the per-entry rule agree for every entry
    overdue = set(LedgerEntry.objects.filter(review_overdue_q()).values_list("reference", flat=True))
    assert overdue == {e.reference for e in LedgerEntry.objects.all() if e.review_overdue()}
    assert 'href="/ledger/?overdue=1"' in dashboard.content.decode()
