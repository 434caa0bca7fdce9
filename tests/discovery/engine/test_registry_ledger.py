"""The ledger and reconciliation know exactly the scanner's finding types: its ``ScannerType`` choices, the
data-category catalogue and the set of data that must never be stored all follow the registry."""

from __future__ import annotations

import pytest
from django.utils import translation

from mamori.discovery import services
from mamori.discovery.engine import registry
from mamori.ledger.data.catalogue import CATEGORIES
from mamori.ledger.models import DataCategory, ScannerType


def test_the_ledger_s_scanner_types_are_the_registry_s_types() -> None:
    # then every type the scanner reports has a choice (and a label) in the ledger, and no choice is unknown
    assert set(ScannerType.values) == set(registry.TYPES)


def test_every_scanner_type_has_a_category_in_the_catalogue() -> None:
    # then each type can be declared in a ledger entry, and no category names a type the scanner lacks
    mapped = {row["scanner_type"] for row in CATEGORIES if row.get("scanner_type")}
    assert mapped == set(registry.TYPES)


def test_never_store_flags_of_the_catalogue_follow_the_registry() -> None:
    # then the categories of the types that must never be stored are flagged so, and card types are card data
    for row in CATEGORIES:
        kind = row.get("scanner_type")
        if not kind:
            continue
        assert bool(row.get("never_store")) == (kind in registry.NEVER_STORE_TYPES), row["code"]
        if kind in registry.CARD_TYPES:
            assert row.get("card_data"), row["code"]


def test_reconciliation_s_prohibited_set_is_the_registry_s() -> None:
    # then what reconciliation always reports as prohibited is what the specs mark never_store
    assert services.prohibited_types() == registry.NEVER_STORE_TYPES


def test_track_data_shows_its_label_not_its_code() -> None:
    # when reconciliation names a type found by a scan (in English)
    with translation.override("en"):
        label = services._type_label("card_track_data")
    # then it is the ledger's label (before, the raw code `card_track_data` was shown)
    assert label == "Magnetic stripe track data"


@pytest.mark.django_db
def test_track_data_category_is_installed() -> None:
    # given the migrated database
    # when the track-data category is read
    category = DataCategory.objects.get(code="card-track-data")
    # then it is card data that must never be stored, mapped to the scanner type, named in Japanese and English
    assert category.scanner_type == ScannerType.CARD_TRACK_DATA
    assert category.never_store and category.card_data
    assert category.name == "磁気ストライプ情報(トラックデータ)"
    assert category.name_en == "Magnetic stripe track data"
    security_code = DataCategory.objects.get(code="card-security-code")
    assert category.order > security_code.order
