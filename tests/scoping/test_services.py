"""Scoping a case: preview, run in the background, versions, the count on the case (report item 3 and the APPI
assessment), a preserved copy from the evidence locker with its hash, archive, CSV, and the audit trail."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from mamori.accounts.policy import SYSTEM
from mamori.audit.models import AuditEntry
from mamori.evidence import preserve
from mamori.evidence.models import Evidence, EvidenceKind
from mamori.incidents import appi
from mamori.incidents.models import IncidentCase
from mamori.incidents.reports.content import gather
from mamori.scoping import services, sources
from mamori.scoping.models import Scoping, ScopingStatus
from tests.scoping import shop
from tests.scoping.conftest import make_source, run_jobs

pytestmark = pytest.mark.django_db


def spec(source=None, evidence=None, ids=None, flavour="eccube2", **extra) -> services.Spec:
    return services.Spec(
        preset=flavour,
        window_from=shop.WINDOW[0],
        window_to=shop.WINDOW[1],
        payment_ids=ids if ids is not None else shop.CARD_IDS[flavour],
        source=source,
        evidence=evidence,
        **extra,
    )


def run(actor, case, the_spec, note="") -> Scoping:
    scoping = services.start_scoping(actor, case, the_spec, note)
    run_jobs()
    return Scoping.objects.get(pk=scoping.pk)


def test_preview_counts_and_shows_a_small_sample_and_is_audited(manager, server_case, shop_source, shop2):
    # when
    result = services.preview(manager, server_case, spec(shop_source))
    # then
    assert result.people == len(shop2[1].people)
    assert result.orders == shop2[1].orders
    assert len(result.sample) == services.SAMPLE
    assert "status = 3" in " ".join(result.excluded)
    assert AuditEntry.objects.filter(action="scoping_previewed", object_id=str(server_case.pk)).exists()


def test_a_run_stores_the_people_and_feeds_the_case_count_and_the_appi_facts(manager, server_case, shop_source, shop2):
    # when
    scoping = run(manager, server_case, spec(shop_source))
    # then
    truth = shop2[1]
    assert scoping.status == ScopingStatus.SUCCEEDED, scoping.error
    assert scoping.people_count == len(truth.people) == scoping.people.count()
    assert set(scoping.people.values_list("identity", flat=True)) == truth.people
    assert scoping.orders_count == truth.orders
    case = IncidentCase.objects.get(pk=server_case.pk)
    assert case.persons_affected == len(truth.people)
    assert appi.initial_facts(case)["persons"] == len(truth.people)
    assert services.current_scoping(case) == scoping
    assert case.timeline.filter(title__contains=str(len(truth.people))).exists()
    assert AuditEntry.objects.filter(action="scoping_succeeded", object_id=str(scoping.pk)).exists()


def test_the_report_reads_the_count_as_item_3(manager, server_case, shop_source, shop2):
    # given
    run(manager, server_case, spec(shop_source))
    # when
    facts = gather(IncidentCase.objects.get(pk=server_case.pk), "ja")
    # then
    assert facts.persons == len(shop2[1].people)
    assert f"{len(shop2[1].people):,}" in facts.persons_text()


def test_a_rerun_is_a_new_version_and_the_earlier_one_stays_readable(manager, server_case, shop_source, shop2):
    # given a first run that missed one of the two card payment methods
    first = run(manager, server_case, spec(shop_source, ids=[5]))
    # when corrected
    second = run(manager, server_case, spec(shop_source), note="both card modules")
    # then
    first.refresh_from_db()
    assert (first.version, second.version) == (1, 2)
    assert first.status == ScopingStatus.SUPERSEDED
    assert first.people.count() == first.people_count < second.people_count
    assert services.current_scoping(server_case) == second
    assert IncidentCase.objects.get(pk=server_case.pk).persons_affected == len(shop2[1].people)


def test_an_archived_version_is_no_longer_current_and_needs_a_reason(manager, server_case, shop_source):
    # given
    scoping = run(manager, server_case, spec(shop_source))
    # when / then
    with pytest.raises(ValidationError):
        services.archive_scoping(manager, scoping, "  ")
    services.archive_scoping(manager, scoping, "wrong window")
    assert services.current_scoping(server_case) is None
    assert Scoping.objects.filter(pk=scoping.pk).exists()  # never deleted


def test_a_failed_run_says_why_in_one_line(manager, server_case, tmp_path):
    # given a database without the shop's tables
    (tmp_path / "empty.db").write_bytes(b"")
    import sqlite3

    sqlite3.connect(tmp_path / "other.db").execute("CREATE TABLE t (x int)").connection.commit()
    source = make_source(f"sqlite:///{tmp_path / 'other.db'}", "not a shop")
    # when
    scoping = run(manager, server_case, spec(source))
    # then
    assert scoping.status == ScopingStatus.FAILED
    assert "dtb_order" in scoping.error and "eccube2 preset expects" in scoping.error
    assert IncidentCase.objects.get(pk=server_case.pk).persons_affected is None


def test_the_csv_export_holds_every_person_and_is_audited(manager, server_case, shop_source, shop2):
    # given
    scoping = run(manager, server_case, spec(shop_source))
    # when
    text = b"".join(services.export_csv(manager, scoping)).decode("utf-8-sig")
    # then
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["identity"] for r in rows} == shop2[1].people
    assert AuditEntry.objects.filter(action="scoping_exported", object_id=str(scoping.pk)).exists()


def test_staff_and_contractors_may_not_start_a_scoping(staff, alice_contractor, server_case, shop_source):
    for user in (staff, alice_contractor):
        with pytest.raises(PermissionDenied):
            services.start_scoping(user, server_case, spec(shop_source))


def _preserve(case: IncidentCase, source) -> Evidence:
    preserve.start_preservation(SYSTEM, case, source=source)
    run_jobs()
    return Evidence.objects.get(case=case, kind=EvidenceKind.PRESERVED_COPY)


def test_scoping_a_preserved_sqlite_copy_after_the_shop_was_wiped_records_its_hash(
    manager, server_case, shop_source, shop2
):
    # given a preserved copy, then the live database wiped (as in 2018)
    copy = _preserve(server_case, shop_source)
    Path(shop2[0].removeprefix("sqlite:///")).unlink()
    temp = sources.temp_root()
    # when
    scoping = run(manager, server_case, spec(evidence=copy))
    # then
    assert scoping.status == ScopingStatus.SUCCEEDED, scoping.error
    assert scoping.people_count == len(shop2[1].people)
    assert scoping.evidence_sha256 == copy.sha256
    assert not any(temp.iterdir())  # the decrypted copy is gone


def test_scoping_a_preserved_logical_export_of_postgresql(manager, server_case, postgres_url):
    # given a PostgreSQL shop preserved as Mamori's logical export
    truth = shop.build(postgres_url, "eccube4")
    source = make_source(postgres_url, "shop on PostgreSQL")
    server_case.data_sources.add(source)
    copy = _preserve(server_case, source)
    assert copy.manifest["method"] == "logical-export"
    # when
    scoping = run(manager, server_case, spec(evidence=copy, flavour="eccube4"))
    # then
    assert scoping.status == ScopingStatus.SUCCEEDED, scoping.error
    assert scoping.people_count == len(truth.people)
    assert scoping.evidence_sha256 == copy.sha256


def test_only_those_who_may_open_preserved_copies_scope_one(president, server_case, shop_source):
    copy = _preserve(server_case, shop_source)
    with pytest.raises(PermissionDenied):
        services.start_scoping(president, server_case, spec(evidence=copy))


def test_no_card_data_is_stored_with_the_people(manager, server_case, shop_source):
    # given the shop's orders hold no card numbers in the columns read; the people hold only contact fields
    scoping = run(manager, server_case, spec(shop_source))
    fields = {f.name for f in scoping.people.model._meta.get_fields()}
    # then
    assert not {"card", "card_number", "memo02", "payment_token"} & fields
