"""Reconciliation remembers what was recorded: each gap shows (and links) the risk or nonconformity recorded for it
in the 記録先 column, a second press opens that record instead of making another, a later scan that still shows
the gap adds its evidence to the same record, and a scan that no longer shows it marks the gap resolved."""

from __future__ import annotations

import pytest

from mamori.audit.models import AuditEntry
from mamori.discovery import services
from mamori.discovery.models import GapEvidence, GapKind, GapRecord
from mamori.risk.models import Nonconformity, Risk
from tests.discovery_app.conftest import categories, scan_now

EMAIL = "tanaka@example.co.jp\n"


def write_share(tmp_path, text: str) -> None:
    (tmp_path / "share" / "list.txt").write_text(text, encoding="utf-8")


def the_gap(source, kind: str, type_: str):
    return next(g for g in services.reconcile(source) if g.kind == kind and g.type == type_)


def press(client, source, gap, action: str):
    return client.post(f"/discovery/{source.pk}/gaps/", {"key": gap.key, "action": action})


@pytest.fixture
def undeclared_email(internal_source, shop_entry, tmp_path):
    """A share linked to an entry that does not declare e-mail addresses, where a scan found one."""
    shop_entry.categories.set(categories("person_name"))
    internal_source.ledger_entries.set([shop_entry])
    write_share(tmp_path, EMAIL)
    scan = scan_now(internal_source)
    return internal_source, scan


def test_the_record_column_links_what_was_recorded(undeclared_email, manager, client_for):
    source, _scan = undeclared_email
    client = client_for(manager)
    gap = the_gap(source, GapKind.UNDECLARED, "email_address")
    # when the manager records the gap as a nonconformity
    press(client, source, gap, "nonconformity")
    # then the reconciliation page links it in the gap's row, and offers no second 不適合 button for it
    item = Nonconformity.objects.get()
    row = client.get(f"/discovery/{source.pk}/reconciliation/").content.decode()
    assert f'href="/risk/nonconformities/{item.pk}/"' in row
    assert row.count('value="nonconformity"') == sum(
        1 for g in services.reconcile(source) if g.record is None or g.record.nonconformity is None
    )


def test_a_second_press_opens_the_nonconformity_instead_of_duplicating_it(undeclared_email, manager, client_for):
    source, _scan = undeclared_email
    client = client_for(manager)
    gap = the_gap(source, GapKind.UNDECLARED, "email_address")
    # given the gap was recorded once
    press(client, source, gap, "nonconformity")
    first = Nonconformity.objects.get()
    # when 不適合 is pressed again (an old tab, a double click)
    response = press(client, source, the_gap(source, GapKind.UNDECLARED, "email_address"), "nonconformity")
    # then there is still one nonconformity, and the manager is taken to it
    assert Nonconformity.objects.count() == 1
    assert response.status_code == 302 and response["Location"] == f"/risk/nonconformities/{first.pk}/"


def test_a_second_press_opens_the_risk_instead_of_duplicating_it(undeclared_email, manager, client_for):
    source, _scan = undeclared_email
    client = client_for(manager)
    gap = the_gap(source, GapKind.UNDECLARED, "email_address")
    first = press(client, source, gap, "risk")
    second = press(client, source, the_gap(source, GapKind.UNDECLARED, "email_address"), "risk")
    risk = Risk.objects.get()
    assert first["Location"] == second["Location"] == f"/risk/{risk.pk}/"


def test_a_later_scan_that_still_shows_the_gap_adds_its_evidence_to_the_same_record(
    undeclared_email, manager, client_for
):
    source, first_scan = undeclared_email
    client = client_for(manager)
    press(client, source, the_gap(source, GapKind.UNDECLARED, "email_address"), "nonconformity")
    item = Nonconformity.objects.get()
    # when the share is scanned again and still holds the address
    second_scan = scan_now(source)
    # then the same record holds both scans as evidence, and no new nonconformity was made
    record = GapRecord.objects.get()
    assert [e.scan_id for e in record.evidence.order_by("scan_id")] == [first_scan.pk, second_scan.pk]
    assert record.resolved_by is None and Nonconformity.objects.count() == 1
    # and the gap on the page still links the same record
    page = client.get(f"/discovery/{source.pk}/reconciliation/").content.decode()
    assert f'href="/risk/nonconformities/{item.pk}/"' in page
    # and the nonconformity's page lists both scans as links, and the audit trail says a scan added evidence
    detail = client.get(f"/risk/nonconformities/{item.pk}/").content.decode()
    for scan in (first_scan, second_scan):
        assert f"ref=scan%3A{scan.pk}" in detail
    assert AuditEntry.objects.filter(action="gap_evidence_added", object_id=str(item.pk)).count() == 1


def test_a_scan_that_no_longer_shows_the_gap_marks_it_resolved_by_that_scan(
    undeclared_email, manager, client_for, tmp_path
):
    source, _first = undeclared_email
    client = client_for(manager)
    press(client, source, the_gap(source, GapKind.UNDECLARED, "email_address"), "nonconformity")
    item = Nonconformity.objects.get()
    # when the address is removed and the share scanned again
    write_share(tmp_path, "nothing personal here\n")
    cleaned = scan_now(source)
    # then the record is resolved by that scan
    record = GapRecord.objects.get()
    assert record.resolved_by == cleaned and record.resolved_at is not None
    assert not [g for g in services.reconcile(source) if g.type == "email_address"]
    # and the reconciliation page shows it resolved, with the scan linked
    page = client.get(f"/discovery/{source.pk}/reconciliation/").content.decode()
    assert 'id="resolved"' in page and f'href="/discovery/scans/{cleaned.pk}/"' in page
    # and so does the nonconformity's page; its status is left to the person who closes it
    detail = client.get(f"/risk/nonconformities/{item.pk}/").content.decode()
    assert f'href="/discovery/scans/{cleaned.pk}/"' in detail
    assert Nonconformity.objects.get().status == "open"
    assert AuditEntry.objects.filter(action="gap_resolved", object_id=str(item.pk)).exists()


def test_a_gap_that_comes_back_after_it_was_resolved_gets_a_new_record(undeclared_email, manager, tmp_path):
    source, _first = undeclared_email
    services.gap_to_nonconformity(manager, the_gap(source, GapKind.UNDECLARED, "email_address"))
    write_share(tmp_path, "nothing\n")
    scan_now(source)
    write_share(tmp_path, EMAIL)
    scan_now(source)
    # when it is recorded again
    recorded = services.gap_to_nonconformity(manager, the_gap(source, GapKind.UNDECLARED, "email_address"))
    # then it is a new nonconformity, the old one stays resolved
    assert recorded.created and Nonconformity.objects.count() == 2
    assert GapRecord.objects.filter(resolved_by__isnull=False).count() == 1
    assert GapEvidence.objects.count() == 2


def test_undeclared_my_number_comes_first_and_is_marked_as_its_own_law(internal_source, shop_entry, tmp_path):
    # given a share that holds a My Number (valid check digit) and an undeclared e-mail address
    internal_source.ledger_entries.set([shop_entry])
    write_share(tmp_path, "マイナンバー: 1234 5678 9018\n" + EMAIL)
    scan_now(internal_source)
    # when reconciled
    gaps = services.reconcile(internal_source)
    # then the My Number gap is at the top, of its own kind, and can only be a nonconformity
    first = gaps[0]
    assert first.kind == GapKind.MY_NUMBER and first.type == "my_number"
    assert first.always_nonconformity and "番号法" in first.description
    assert not [g for g in gaps if g.kind == GapKind.UNDECLARED and g.type == "my_number"]


def test_my_number_declared_by_the_ledger_is_no_gap(internal_source, shop_entry, tmp_path):
    shop_entry.categories.add(*categories("my_number"))
    internal_source.ledger_entries.set([shop_entry])
    write_share(tmp_path, "マイナンバー: 1234 5678 9018\n")
    scan_now(internal_source)
    assert not [g for g in services.reconcile(internal_source) if g.type == "my_number"]


def test_the_my_number_nonconformity_names_the_law(internal_source, shop_entry, tmp_path, manager):
    internal_source.ledger_entries.set([shop_entry])
    write_share(tmp_path, "マイナンバー: 1234 5678 9018\n")
    scan_now(internal_source)
    gap = the_gap(internal_source, GapKind.MY_NUMBER, "my_number")
    item = services.gap_to_nonconformity(manager, gap).item
    assert "番号法" in item.title
