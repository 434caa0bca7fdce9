"""Scans run as background jobs: findings stored masked, never a full card number anywhere in the database."""

from __future__ import annotations

import json

from django.apps import apps
from django.db import models

from mamori.accounts.policy import SYSTEM
from mamori.discovery import services
from mamori.discovery.models import ScanFinding, ScanStatus
from mamori.discovery.shopdb import build_shop_db
from mamori.jobs.models import Job, Status
from tests.discovery_app.conftest import scan_now


def every_text_value() -> list[str]:
    """Every CharField, TextField and JSONField value of every row of every table."""
    values: list[str] = []
    for model in apps.get_models():
        names = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        if not names:
            continue
        for row in model._default_manager.values_list(*names):
            values.extend(v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for v in row if v)
    return values


def test_a_scan_of_the_shop_database_runs_as_a_job_and_stores_masked_findings(shop_source):
    # given the demo shop database with card data planted in it
    # when a scan is started and the worker runs it
    scan = scan_now(shop_source)
    # then the scan completed with findings in the places the card data was planted
    assert scan.status == ScanStatus.SUCCEEDED, scan.error
    assert scan.job.status == Status.SUCCEEDED
    assert scan.job.progress == 100
    locations = {(f.table, f.column, f.type) for f in scan.findings.all()}
    assert ("dtb_order", "memo02", "credit_card_number") in locations
    assert any(t == "plg_card_log" and kind == "credit_card_number" for t, _c, kind in locations)
    assert any(kind == "card_security_code" for _t, _c, kind in locations)
    assert scan.prohibited_count > 0
    assert scan.items_scanned > 0 and scan.rows_scanned > 0
    card = scan.findings.filter(type="credit_card_number").first()
    assert card.examples and all("*" in e for e in card.examples)
    assert card.rows_matched > 0 and card.severity == "critical" and card.data_class == "prohibited"
    # slow keyed fingerprints, so a card company's list can be matched later (docs/security.md)
    assert card.card_fingerprints and all(fp.startswith("s1$") for fp in card.card_fingerprints)


def test_no_full_card_number_is_stored_anywhere_in_the_database(shop_db, shop_source):
    # given the card numbers planted in the shop (the same seed rebuilds the same data)
    truth = build_shop_db(f"sqlite:///{shop_db}", flavour="eccube2", customers=60, orders=120)
    assert truth.card_numbers
    # when the shop is scanned through the job
    scan = scan_now(shop_source)
    assert scan.findings.exists()
    # then no text column of any table holds any of the numbers
    stored = "\n".join(every_text_value())
    leaked = [n for n in truth.card_numbers if n in stored]
    assert leaked == []


def test_a_scan_that_cannot_connect_fails_with_a_message_and_no_password(shop_source, tmp_path):
    # given a source whose database file has gone, with a password stored
    services.update_source(
        SYSTEM, shop_source, {"location": f"sqlite:///{tmp_path / 'gone.sqlite3'}"}, password="hunter2-secret"
    )
    # when it is scanned
    scan = scan_now(shop_source)
    # then the scan failed with one line that names the problem and hides the password
    assert scan.status == ScanStatus.FAILED
    assert "not found" in scan.error
    assert "hunter2-secret" not in scan.error
    assert Job.objects.get(pk=scan.job_id).status == Status.SUCCEEDED


def test_a_file_location_is_scanned_with_locations_and_fingerprints(internal_source, tmp_path):
    # given a share with a CSV holding a test card number
    (tmp_path / "share" / "orders.csv").write_text("name,card\n山田,4111 1111 1111 1111\n", encoding="utf-8")
    # when it is scanned
    scan = scan_now(internal_source)
    # then the file finding has the path, a line, a masked example and a fingerprint
    finding = ScanFinding.objects.get(scan=scan, type="credit_card_number")
    assert finding.path.endswith("orders.csv") and finding.line == 2
    assert finding.examples == ["411111******1111"]
    assert len(finding.card_fingerprints) == 1
    # and the same value gets the same fingerprint in the next scan
    again = ScanFinding.objects.get(scan=scan_now(internal_source), type="credit_card_number")
    assert again.card_fingerprints == finding.card_fingerprints


def test_the_diff_between_two_scans_shows_new_gone_and_changed(internal_source, tmp_path):
    # given a first scan of a share with two files
    share = tmp_path / "share"
    (share / "a.csv").write_text("card\n4111 1111 1111 1111\n", encoding="utf-8")
    (share / "b.txt").write_text("mail: tanaka@example.co.jp\n", encoding="utf-8")
    first = scan_now(internal_source)
    # when one file gains a match, one goes and a new one appears
    (share / "a.csv").write_text("card\n4111 1111 1111 1111\n5555 5555 5555 4444\n", encoding="utf-8")
    (share / "b.txt").unlink()
    (share / "c.txt").write_text("電話 03-1234-5678 tanaka@example.co.jp\n", encoding="utf-8")
    second = scan_now(internal_source)
    diff = services.diff_scans(first, second)
    # then the diff names each
    assert {(f.location_key.rsplit("/", 1)[-1], f.type) for f in diff.gone} == {("b.txt", "email_address")}
    assert ("c.txt", "email_address") in {(f.location_key.rsplit("/", 1)[-1], f.type) for f in diff.new}
    assert [(old.rows_matched, new.rows_matched) for old, new in diff.changed] == [(1, 2)]


def test_the_cli_queues_a_scan_as_the_system_and_runs_it_with_wait(shop_source):
    from io import StringIO

    from django.core.management import call_command

    # when the operator runs `mamori discovery scan ID --wait`
    out = StringIO()
    call_command("discovery", "scan", str(shop_source.pk), "--wait", stdout=out)
    # then the scan ran and its summary is printed
    assert "succeeded" in out.getvalue()
    assert shop_source.scans.get().started_by is None


def test_the_cli_rejects_an_unknown_source_with_a_clear_message(db):
    import pytest
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="no data source with id 999"):
        call_command("discovery", "scan", "999")
    with pytest.raises(CommandError, match="must be a number"):
        call_command("discovery", "scan", "abc")


def test_a_system_started_scan_is_in_the_audit_trail(shop_source):
    from mamori.audit.models import AuditEntry

    scan = services.start_scan(SYSTEM, shop_source)
    assert AuditEntry.objects.filter(object_id=str(scan.pk), action="create").exists()
