"""The registry of finding types: one spec per type, from which the detectors, the prefilter's words and the
database column hints are derived."""

from __future__ import annotations

import re

import pytest

from mamori.discovery.engine import data, detectors, registry
from mamori.discovery.engine.database.names import NAME_HINTS, hinted_type
from mamori.discovery.engine.families import cards, contact, identifiers, names_addresses
from mamori.discovery.engine.families.base import FieldKind, TypeSpec
from mamori.discovery.engine.types import DataClass


def test_every_type_has_one_spec_in_one_family() -> None:
    # given the detector families
    families = (cards, contact, identifiers, names_addresses)
    # when their specs are collected
    codes = [spec.code for family in families for spec in family.SPECS]
    # then each type is registered once, and the registry is all of them
    assert len(codes) == len(set(codes))
    assert set(codes) == set(registry.TYPES)
    for family in families:
        assert all(spec.family == family.FAMILY for spec in family.SPECS)


def test_the_engine_s_public_tables_come_from_the_registry() -> None:
    # when the scan loop's tables are read
    # then they are the registry's specs, under the names other modules import
    assert dict(registry.TYPES) == detectors.TYPES
    assert detectors.CARD_TYPES == registry.CARD_TYPES
    assert {"credit_card_number", "card_security_code", "card_expiry", "card_track_data"} == detectors.CARD_TYPES
    assert detectors.TypeInfo is TypeSpec
    assert dict(registry.KEYWORDS) == data.KEYWORDS
    assert dict(registry.KEY_NAMES) == data.KEY_NAMES


def test_prohibited_card_data_is_declared_by_the_specs() -> None:
    # then card numbers, security codes and track data are prohibited data; the two that are sensitive
    # authentication data must never be stored at all
    prohibited = {code for code, spec in registry.TYPES.items() if spec.data_class == DataClass.PROHIBITED}
    assert prohibited == {"credit_card_number", "card_security_code", "card_track_data"}
    assert {"card_security_code", "card_track_data"} == registry.NEVER_STORE_TYPES


def test_database_column_hints_are_the_specs_hints() -> None:
    # then the database classifier's name hints are each type's column hint, nothing else
    assert NAME_HINTS == registry.COLUMN_HINTS
    assert {kind for kind, _ in NAME_HINTS} <= set(registry.TYPES)


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        ("order_card_no", "credit_card_number"),
        ("cvv2", "card_security_code"),
        ("card_expire_month", "card_expiry"),
        ("name01", "person_name"),
        ("mei", "person_name"),
        ("order_tel01", "phone_number"),
        ("email", "email_address"),
        ("zip01", "postal_code"),
        ("addr01", "address"),
        ("kojin_bango", "my_number"),
        ("koza_bango", "bank_account"),
        ("menkyo_bango", "drivers_license"),
        ("passport_no", "passport_number"),
        ("customer_id", None),
        ("password", None),
    ],
)
def test_a_column_name_points_to_the_type_whose_hint_it_matches(column: str, expected: str | None) -> None:
    # when a column's name is classified
    # then it gets the type whose hint matches it (no two hints match one name)
    assert hinted_type(column) == expected
    name = column.removeprefix("order_")
    matching = [kind for kind, hint in registry.COLUMN_HINTS if re.fullmatch(hint, name)]
    assert len(matching) <= 1


def test_field_kinds_with_a_value_pattern_can_validate_and_mask() -> None:
    # then every kind that looks for a value after its words validates it, and every value pattern names it `v`
    for name, kind in registry.FIELD_KINDS.items():
        assert isinstance(kind, FieldKind)
        if kind.value is not None:
            assert kind.words and kind.validate is not None, name
            assert "(?P<v>" in kind.value, name
    # and the month-or-year kind is tried before the expiry kind (`exp_month=04` is a month, not `exp`)
    order = list(registry.VALUE_PATTERNS)
    assert order.index("card_expiry_part") < order.index("card_expiry")


@pytest.mark.parametrize(
    ("kind", "value", "masked"),
    [
        ("card_security_code", "123", "***"),
        ("card_expiry", "04/27", "**/**"),
        ("my_number", "1234 5678 9018", "**** **** 9018"),
        ("postal_code", "150-0002", "150-****"),
        ("passport_number", "TK1234567", "TK*****67"),
    ],
)
def test_a_spec_validates_and_masks_its_value(kind: str, value: str, masked: str) -> None:
    # given a field kind's validator
    validate = registry.FIELD_KINDS[kind].validate
    assert validate is not None
    # when it judges a value of its kind
    found = validate(value, 0.9)
    # then the value is accepted and masked, with the confidence it was given
    assert found is not None
    assert found[1] == masked
    assert found[3] == 0.9


def test_a_value_that_fails_its_check_is_no_finding() -> None:
    # when a My Number with a wrong check digit and a six-digit postal code are judged
    # then neither is a finding
    assert registry.FIELD_KINDS["my_number"].validate("1234 5678 9012", 0.9) is None  # type: ignore[misc]
    assert registry.FIELD_KINDS["postal_code"].validate("150-002", 0.9) is None  # type: ignore[misc]


def test_a_type_registered_twice_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a family that registers a type another family has
    monkeypatch.setattr(registry, "FAMILIES", (*registry.FAMILIES, cards))
    # when the registry collects the specs
    # then it refuses, naming the types
    with pytest.raises(ValueError, match="credit_card_number"):
        registry._collect()
