"""Reconciliation: what the scans found against what the ledger declares, and gaps turned into risks or
nonconformities with an evidence reference back to the scan."""

from __future__ import annotations

from mamori.accounts.policy import SYSTEM
from mamori.audit.models import AuditEntry
from mamori.discovery import services
from mamori.discovery.services import GapKind
from mamori.risk.models import Nonconformity, Risk
from tests.discovery_app.conftest import categories, scan_now


def gaps_by_kind(source) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for gap in services.reconcile(source):
        found.setdefault(gap.kind, set()).add(gap.type)
    return found


def write_share(internal_source, tmp_path, text: str) -> None:
    (tmp_path / "share" / "list.txt").write_text(text, encoding="utf-8")


def test_the_shop_database_shows_card_data_the_ledger_says_is_not_retained(shop_source):
    # given the shop's ledger entry declares card data not retained (非保持)
    # when the shop is scanned
    scan_now(shop_source)
    gaps = gaps_by_kind(shop_source)
    # then card numbers and security codes are prohibited-data gaps (b)
    assert {"credit_card_number", "card_security_code"} <= gaps[GapKind.PROHIBITED]


def test_card_numbers_are_not_a_gap_where_the_ledger_declares_card_data_retained(shop_source, shop_entry):
    # given the linked entry declares card numbers retained, with the card category
    shop_entry.card_data_retained = True
    shop_entry.save()
    shop_entry.categories.add(*categories("credit_card_number"))
    scan_now(shop_source)
    gaps = gaps_by_kind(shop_source)
    # then card numbers are no gap, but security codes still are (never allowed)
    assert "credit_card_number" not in gaps.get(GapKind.PROHIBITED, set())
    assert "credit_card_number" not in gaps.get(GapKind.UNDECLARED, set())
    assert "card_security_code" in gaps[GapKind.PROHIBITED]


def test_found_but_undeclared_and_declared_but_unseen(internal_source, shop_entry, tmp_path):
    # given a share linked to an entry that declares names, addresses, postcodes, phones and e-mail
    internal_source.ledger_entries.set([shop_entry])
    # and holding only e-mail addresses and a bank-account-free My Number-free text with a phone
    write_share(internal_source, tmp_path, "tanaka@example.co.jp\nsato@example.jp\n")
    # when it is scanned
    scan_now(internal_source)
    gaps = gaps_by_kind(internal_source)
    # then e-mail is declared and found (no gap); what was declared but not seen is listed (c)
    assert "email_address" not in gaps.get(GapKind.UNDECLARED, set())
    assert "email_address" not in gaps.get(GapKind.UNSEEN, set())
    assert "phone_number" in gaps[GapKind.UNSEEN]


def test_found_data_no_linked_entry_declares_is_a_gap(internal_source, tmp_path):
    # given a share linked to no ledger entry, holding e-mail addresses
    write_share(internal_source, tmp_path, "tanaka@example.co.jp\nsato@example.jp\n")
    scan_now(internal_source)
    # then the e-mail addresses are found but not declared (a)
    assert "email_address" in gaps_by_kind(internal_source)[GapKind.UNDECLARED]


def test_no_gaps_before_the_first_completed_scan(shop_source):
    assert services.reconcile(shop_source) == []


def test_a_gap_becomes_a_risk_with_evidence_and_an_audit_entry(
    internal_source, shop_entry, tmp_path, manager, client_for
):
    # given an unseen-category gap on a source linked to an entry
    internal_source.ledger_entries.set([shop_entry])
    write_share(internal_source, tmp_path, "tanaka@example.co.jp\n")
    scan = scan_now(internal_source)
    gap = next(g for g in services.reconcile(internal_source) if g.kind == GapKind.UNSEEN)
    # when the manager records it as a risk
    response = client_for(manager).post(f"/discovery/{internal_source.pk}/gaps/", {"key": gap.key, "action": "risk"})
    # then a risk of that entry points back at the scan, and the audit trail has it
    assert response.status_code == 302
    risk = Risk.objects.get()
    assert risk.ledger_entry == shop_entry
    assert risk.evidence_ref == f"scan:{scan.pk}"
    assert AuditEntry.objects.filter(object_type__icontains="risk", object_id=str(risk.pk), action="create").exists()


def test_prohibited_data_becomes_a_nonconformity_with_the_finding_as_evidence(shop_source, manager, client_for):
    # given the card-number gap of the shop database
    scan = scan_now(shop_source)
    gap = next(g for g in services.reconcile(shop_source) if g.type == "credit_card_number")
    # when the manager asks for a risk, the prohibited gap is recorded as a nonconformity all the same
    response = client_for(manager).post(f"/discovery/{shop_source.pk}/gaps/", {"key": gap.key, "action": "risk"})
    assert response.status_code == 302
    item = Nonconformity.objects.get()
    assert item.source == "reconciliation"
    assert item.evidence_ref == f"scan:{scan.pk}/finding:{gap.finding.pk}"
    assert AuditEntry.objects.filter(object_id=str(item.pk), action="create").exists()
    assert not Risk.objects.exists()
    # and the evidence reference leads back to the finding on the scan page
    back = client_for(manager).get("/discovery/evidence/", {"ref": item.evidence_ref})
    assert back["Location"] == f"/discovery/scans/{scan.pk}/#finding-{gap.finding.pk}"


def test_a_gap_action_needs_the_reconciliation_right(shop_source, auditor, client_for):
    scan_now(shop_source)
    gap = services.reconcile(shop_source)[0]
    response = client_for(auditor).post(f"/discovery/{shop_source.pk}/gaps/", {"key": gap.key, "action": "risk"})
    assert response.status_code == 403
    assert not Nonconformity.objects.exists()


def test_a_stale_gap_key_gives_a_message_not_an_error(shop_source, manager, client_for):
    scan_now(shop_source)
    response = client_for(manager).post(
        f"/discovery/{shop_source.pk}/gaps/", {"key": "999:prohibited:x", "action": "nonconformity"}, follow=True
    )
    assert response.status_code == 200
    assert "no longer there" in response.content.decode()


def test_the_reconciliation_page_lists_the_gaps(shop_source, manager, client_for):
    scan_now(shop_source)
    page = client_for(manager).get("/discovery/reconciliation/").content.decode()
    assert "Prohibited data" in page and "dtb_order.memo02" in page


def test_the_demo_registers_the_shop_database_and_one_scan_shows_the_contradiction(db, settings):
    from mamori.core.demo import load_demo
    from mamori.discovery.demo import SOURCE_NAME, shop_db_path
    from mamori.discovery.models import DataSource

    # given the demo
    load_demo()
    source = DataSource.objects.get(name=SOURCE_NAME)
    # then the shop database lives in the data folder, run by the server contractor, linked to the shop entries
    assert shop_db_path().is_file() and str(shop_db_path()).startswith(str(settings.DATA_DIR))
    assert source.contractor is not None
    assert not any(e.card_data_retained for e in source.ledger_entries.all())
    # when it is scanned
    scan_now(source, SYSTEM)
    # then card numbers and security codes show up as prohibited data
    kinds = {g.type for g in services.reconcile(source) if g.kind == GapKind.PROHIBITED}
    assert {"credit_card_number", "card_security_code"} <= kinds
    # and loading the demo again changes nothing
    load_demo()
    assert DataSource.objects.filter(name=SOURCE_NAME).count() == 1
