"""Reads of findings are audited; contractors see no internal ledger entries; fingerprints are never shown."""

from __future__ import annotations

from mamori.accounts.policy import SYSTEM
from mamori.audit.models import AuditEntry
from mamori.discovery import services
from mamori.ledger.models import LedgerEntry
from tests.discovery_app.conftest import scan_now


def reads(scan_id: int) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="view_findings", object_id=str(scan_id)).order_by("seq"))


def test_every_read_of_findings_is_audited_once_per_view(shop_source, manager, auditor, client_for):
    # given a completed scan with many findings
    scan = scan_now(shop_source)
    assert scan.findings.count() > 1
    # when the manager opens the page, the auditor reads it over the API, and the manager compares two scans
    client_for(manager).get(f"/discovery/scans/{scan.pk}/")
    client_for(auditor).get(f"/api/v1/scans/{scan.pk}/")
    later = scan_now(shop_source)
    client_for(manager).get(f"/discovery/scans/{later.pk}/diff/?base={scan.pk}")
    # then each view wrote one entry, naming who read what and how
    first = reads(scan.pk)
    assert [(e.actor_username, e.message.split(":")[0]) for e in first] == [("manager", "page"), ("auditor", "api")]
    assert [e.message.split(":")[0] for e in reads(later.pk)] == [f"comparison with scan {scan.pk}"]
    # and listing scans (no findings in it) writes none
    client_for(manager).get("/api/v1/scans/")
    assert len(reads(scan.pk)) == 2


def test_a_contractor_never_sees_internal_ledger_entries_of_a_shared_source(
    shop_source, shop_entry, server_co, alice_contractor, manager, client_for
):
    # given the contractor's source linked to an internal entry and to one shared with the contractor
    internal = LedgerEntry.objects.create(reference="PI-T99", name="役員の報酬台帳", department="総務")
    shop_entry.contractors.add(server_co)
    services.update_source(SYSTEM, shop_source, {"ledger_entries": [shop_entry, internal]})
    # when the contractor reads the source over the API and on the page
    client = client_for(alice_contractor)
    detail = client.get(f"/api/v1/data-sources/{shop_source.pk}/").json()
    listing = client.get("/api/v1/data-sources/").json()
    page = client.get(f"/discovery/{shop_source.pk}/").content.decode()
    # then only the shared entry is named anywhere
    assert detail["ledger_entries"] == [shop_entry.pk]
    assert [row["ledger_entries"] for row in listing["results"]] == [[shop_entry.pk]]
    assert "役員の報酬台帳" not in page and "PI-T99" not in page and shop_entry.name in page
    # and the manager still sees both
    managed = client_for(manager).get(f"/api/v1/data-sources/{shop_source.pk}/").json()
    assert sorted(managed["ledger_entries"]) == sorted([shop_entry.pk, internal.pk])


def test_findings_in_the_api_have_no_fingerprint_of_any_kind(shop_source, manager, client_for):
    scan = scan_now(shop_source)
    body = client_for(manager).get(f"/api/v1/scans/{scan.pk}/").json()
    assert body["findings"]
    assert all("fingerprint" not in key for finding in body["findings"] for key in finding)
