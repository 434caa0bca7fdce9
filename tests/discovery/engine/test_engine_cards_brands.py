"""Card brands and lengths from the brand table, measured on card test numbers that other projects publish."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from mamori.discovery.engine.cardbrands import CARD_BRANDS, MIN_FREE_TEXT_LENGTH
from mamori.discovery.engine.checks import card_brand, luhn_ok
from mamori.discovery.engine.detectors import Detector

VECTORS = Path(__file__).resolve().parents[1] / "data" / "card_test_vectors.csv"


def _vectors() -> list[dict[str, str]]:
    with VECTORS.open(encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if row["in_scope"] == "yes"]


def _grouped(number: str) -> str:
    """The number as printed on cards: 4-6-5 for 15 digits, 4-6-4 for 14, else groups of four."""
    if len(number) == 15:
        return f"{number[:4]} {number[4:10]} {number[10:]}"
    if len(number) == 14:
        return f"{number[:4]} {number[4:10]} {number[10:]}"
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


def _luhn_complete(prefix: str, length: int) -> str:
    body = prefix + "0" * (length - len(prefix) - 1)
    return next(body + c for c in "0123456789" if luhn_ok(body + c))


FORMS = {
    "plain": lambda n: f"order 81 paid with {n} ok",
    "grouped": lambda n: f"カード番号: {_grouped(n)}",
    "json": lambda n: f'{{"id": 7, "pan": "{n}"}}',
    "messy": lambda n: f"qty 3 {_grouped(n)}Thanks",
}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_published_test_numbers_are_found_per_brand(form: str) -> None:
    # given the published card test numbers of every covered brand, written in one way
    detector = Detector(b"k")
    total: Counter[str] = Counter()
    found: Counter[str] = Counter()
    missed = []
    for row in _vectors():
        total[row["brand"]] += 1
        # when each is scanned in a line of text
        hits = [f for f in detector.scan_text(FORMS[form](row["number"])) if f.type == "credit_card_number"]
        if hits and hits[0].masked.endswith(row["number"][-4:]):
            found[row["brand"]] += 1
        else:
            missed.append(row["number"])
    # then recall is at least 0.99 overall and 0.95 for every brand
    assert sum(found.values()) / sum(total.values()) >= 0.99, missed
    for brand, count in total.items():
        assert found[brand] / count >= 0.95, (brand, missed)


def test_the_vector_file_is_large_and_every_number_passes_luhn() -> None:
    rows = _vectors()
    assert len(rows) >= 150
    assert all(luhn_ok(row["number"]) for row in rows)


@pytest.mark.parametrize("code", ["B", "M", "A", "Z"])
def test_track_1_with_any_format_code_and_track_2_are_found(code: str) -> None:
    # given track data of every published number
    detector = Detector(b"k")
    rows = _vectors()
    found = 0
    for row in rows:
        pan = row["number"]
        text = f"%{code}{pan}^YAMADA/TARO^2712101000000000000000?\n;{pan}=27121010000036148900?"
        # when scanned
        tracks = [f for f in detector.scan_text(text) if f.type == "card_track_data"]
        found += len(tracks) == 2 and all(pan not in t.masked for t in tracks)
    # then both tracks are reported for at least 99% of them, without the number
    assert found / len(rows) >= 0.99


def test_track_1_masks_keep_the_format_code() -> None:
    found = Detector(b"k").scan_text("%M4111111111111111^DOE/JOHN^2712101000000000?")
    assert [(f.type, f.masked) for f in found] == [("card_track_data", "%M411111******1111^***^****")]


@pytest.mark.parametrize(
    "text",
    [
        "%B4111111111111111^DOE/JOHN^2712101 36148900647913?",  # discretionary data with a Diners-shaped tail
        "%X1234567890123456^DOE/JOHN^2712101 36148900647913?",  # even when the track's own PAN is no card
        ";1234567890123456=2712101 36148900647913?",
    ],
)
def test_discretionary_track_data_is_never_a_card_of_its_own(text: str) -> None:
    assert [f for f in Detector(b"k").scan_text(text) if f.type == "credit_card_number"] == []


@pytest.mark.parametrize("row", CARD_BRANDS, ids=lambda r: f"{r.brand}-{r.low}")
def test_every_row_of_the_brand_table_is_found_at_each_of_its_lengths(row: object) -> None:
    # given a Luhn-valid number at each low and high end of the row's range, for each length it allows
    detector = Detector(b"k")
    for prefix in {row.low, row.high}:  # type: ignore[attr-defined]
        for length in row.lengths:  # type: ignore[attr-defined]
            if length < MIN_FREE_TEXT_LENGTH:
                continue
            number = _luhn_complete(prefix, length)
            if length == 13 and number.startswith(("45", "49")):
                continue  # JAN barcodes, see data.JAN_PREFIXES
            # when scanned / then it is a card of some brand
            assert card_brand(number) is not None, number
            assert [f.type for f in detector.scan_text(f"pan: {number}")] == ["credit_card_number"], number


def test_a_12_digit_maestro_number_is_found_in_a_card_number_field() -> None:
    # given a 12-digit Maestro number in a field named for card numbers, and the same in free text
    from mamori.discovery.engine.types import TextUnit

    number = _luhn_complete("6759", 12)
    detector = Detector(b"k")
    in_field = list(detector.scan_units([TextUnit(text=number, path="x.csv", key="card_number", record=1)]))
    in_text = detector.scan_text(f"id {number} ok")
    # then only the field's is reported (12-digit runs in text are mostly other identifiers)
    assert [f.type for f in in_field] == ["credit_card_number"]
    assert in_text == []
