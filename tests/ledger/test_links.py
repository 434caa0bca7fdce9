"""A ledger entry shows what points at it: its risks, its data sources and what their latest scans found, each a
link; archived risks and sources are left out, and what a user may not see is not listed."""

from __future__ import annotations

from django.utils import timezone

from mamori.accounts.policy import SYSTEM
from mamori.discovery.models import DataSource, Scan, ScanFinding, ScanStatus
from mamori.ledger.models import LedgerEntry
from mamori.risk import services as risk_services
from mamori.risk.models import Risk


def scanned_source(entry: LedgerEntry, name: str, **extra) -> tuple[DataSource, Scan, ScanFinding]:
    source = DataSource.objects.create(name=name, kind="files", location="/srv/x", **extra)
    source.ledger_entries.add(entry)
    now = timezone.now()
    scan = Scan.objects.create(source=source, status=ScanStatus.SUCCEEDED, started_at=now, finished_at=now)
    finding = ScanFinding.objects.create(
        scan=scan,
        type="email_address",
        path="a.txt",
        severity="low",
        data_class="personal",
        rows_matched=3,
        confidence=0.99,
    )
    return source, scan, finding


def test_the_entry_page_links_its_risks_sources_and_findings(db, manager, client_for):
    # given an entry with a risk and a scanned data source
    entry = LedgerEntry.objects.create(reference="PI-L01", name="会員情報", department="EC課")
    risk = Risk.objects.create(ledger_entry=entry, stage="store", threat="leak")
    source, scan, finding = scanned_source(entry, "EC shop share")
    # when the manager opens the entry
    page = client_for(manager).get(f"/ledger/{entry.pk}/").content.decode()
    # then each is a link
    assert f'href="/risk/{risk.pk}/"' in page
    assert f'href="/discovery/{source.pk}/"' in page
    assert f'href="/discovery/scans/{scan.pk}/"' in page
    assert f'href="/discovery/scans/{scan.pk}/#finding-{finding.pk}"' in page


def test_archived_risks_and_sources_are_not_listed(db, manager, client_for):
    entry = LedgerEntry.objects.create(reference="PI-L02", name="応募者", department="人事")
    risk = Risk.objects.create(ledger_entry=entry, stage="store", threat="leak")
    risk_services.archive_risk(SYSTEM, risk, "duplicate row")
    source, _scan, _finding = scanned_source(entry, "old share")
    DataSource.objects.filter(pk=source.pk).update(archived_at=timezone.now(), archive_reason="closed")
    page = client_for(manager).get(f"/ledger/{entry.pk}/").content.decode()
    assert f'href="/risk/{risk.pk}/"' not in page and f'href="/discovery/{source.pk}/"' not in page


def test_a_contractor_sees_only_its_own_sources_and_no_risks(db, server_co, logistics_co, alice_contractor, client_for):
    # given an entry shared with alice's contractor, with one source of hers and one of another contractor
    entry = LedgerEntry.objects.create(reference="PI-L03", name="配送先", department="物流")
    entry.contractors.add(server_co)
    risk = Risk.objects.create(ledger_entry=entry, stage="transfer", threat="leak")
    own, _s1, _f1 = scanned_source(entry, "alice share", contractor=server_co)
    other, _s2, _f2 = scanned_source(entry, "bob share", contractor=logistics_co)
    # when alice opens it
    page = client_for(alice_contractor).get(f"/ledger/{entry.pk}/").content.decode()
    # then she sees her contractor's source only, and no risk
    assert f'href="/discovery/{own.pk}/"' in page
    assert f'href="/discovery/{other.pk}/"' not in page
    assert f'href="/risk/{risk.pk}/"' not in page
