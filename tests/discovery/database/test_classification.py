"""Pointing the scanner at an EC-CUBE-shaped shop database: every planted card-data column is flagged,
clean columns (password hashes, salts, totals, status codes) are not."""

from __future__ import annotations

import pytest

from mamori.discovery.engine.database.scan import DatabaseScanOptions, scan_database
from mamori.discovery.engine.detectors import CARD_TYPES
from mamori.discovery.engine.masking import PanFingerprinter, ScryptCost
from mamori.discovery.shopdb import PROHIBITED, build_shop_db

OPTIONS = DatabaseScanOptions(hash_key=b"test-key", workers=1, sample_rows=500)


@pytest.mark.parametrize("flavour", ["eccube2", "eccube4"])
def test_planted_card_columns_are_flagged_and_clean_columns_are_not(database_url, flavour):
    # given
    truth = build_shop_db(database_url, flavour=flavour, customers=120, orders=240)
    # when
    report = scan_database(database_url, OPTIONS)
    # then
    found = {(r.table, r.column): r for r in report.results}
    flagged = {(r.table, r.column, r.type) for r in report.results if r.evidence != "name"}
    for (table, column), kinds in truth.columns.items():
        for kind in kinds & PROHIBITED:
            assert (table, column, kind) in flagged, f"missed {kind} in {table}.{column}"
    card_columns = {(r.table, r.column) for r in report.results if r.type in PROHIBITED}
    assert card_columns == truth.card_columns()
    for clean in truth.clean:
        assert clean not in found, f"false positive on clean column {clean}: {found[clean]}"
    assert not report.problems


@pytest.mark.parametrize("flavour", ["eccube2", "eccube4"])
def test_personal_data_columns_are_flagged(tmp_path, flavour):
    # given
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    truth = build_shop_db(url, flavour=flavour, customers=80, orders=120)
    # when
    report = scan_database(url, OPTIONS)
    # then
    reported = {(r.table, r.column, r.type) for r in report.results}
    for (table, column), kinds in truth.columns.items():
        for kind in kinds - PROHIBITED:
            assert (table, column, kind) in reported, f"missed {kind} in {table}.{column}"


def test_name_only_evidence_says_so(tmp_path):
    # given: EC-CUBE 2 splits phone numbers over tel01/tel02/tel03, so no single value is a phone number
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    build_shop_db(url, flavour="eccube2", customers=30, orders=30)
    # when
    report = scan_database(url, OPTIONS)
    # then
    tel = next(r for r in report.results if (r.table, r.column) == ("dtb_customer", "tel02"))
    assert tel.type == "phone_number" and tel.evidence == "name" and tel.confidence < 0.5


def test_output_holds_no_full_card_number(tmp_path):
    # given
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    truth = build_shop_db(url, flavour="eccube2", customers=30, orders=60)
    # when
    report = scan_database(url, OPTIONS)
    # then
    text = repr([r.as_dict() for r in report.results])
    assert truth.card_numbers
    assert not any(number in text for number in truth.card_numbers)


def test_card_columns_carry_slow_fingerprints_that_recognise_the_same_values(tmp_path):
    # given
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    build_shop_db(url, flavour="eccube2", customers=30, orders=60)

    def options(key: bytes) -> DatabaseScanOptions:
        pans = PanFingerprinter(key, ScryptCost(log2_n=8))
        return DatabaseScanOptions(hash_key=b"test-key", workers=1, sample_rows=500, pan_fingerprints=pans)

    # when
    first = scan_database(url, options(b"k" * 32))
    again = scan_database(url, options(b"k" * 32))
    other_key = scan_database(url, options(b"x" * 32))

    # then
    def card_hashes(report):
        return {fp for r in report.results if r.type == "credit_card_number" for fp in r.fingerprints}

    assert card_hashes(first) and card_hashes(first) == card_hashes(again)
    assert not card_hashes(first) & card_hashes(other_key)
    assert all(fp.startswith("s1$8$8$1$") and len(fp) == 73 for fp in card_hashes(first))


def test_card_data_columns_carry_no_hash_without_a_fingerprinter(tmp_path):
    # given a shop database whose orders keep card numbers and security codes
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    build_shop_db(url, flavour="eccube2", customers=30, orders=60)
    # when it is scanned with only the fast key
    report = scan_database(url, OPTIONS)
    # then no card-data column carries any hash
    card = [r for r in report.results if r.type in CARD_TYPES]
    assert card and all(fp == "" for r in card for fp in r.fingerprints)
