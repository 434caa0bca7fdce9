"""Card-shaped numbers that are examples of other identifiers (doctest values, SIRET/SIREN, IBAN) are reported
with low confidence — hidden from the default table, kept in JSON — while real card numbers keep theirs.

The SIRET numbers are python-stdnum's published test values (arthurdejong/python-stdnum,
tests/test_fr_siret.doctest); they pass Luhn and start like Diners numbers.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from mamori.discovery.engine.detectors import Detector
from mamori.discovery.engine.precision import SHOWN_CONFIDENCE
from mamori.discovery.engine.types import Finding, TextUnit

VECTORS = Path(__file__).resolve().parents[1] / "data" / "card_test_vectors.csv"


def cards(text: str) -> list[Finding]:
    return [f for f in Detector(b"k").scan_text(text) if f.type == "credit_card_number"]


@pytest.mark.parametrize(
    "text",
    [
        "... 38446899700034",  # a line of test values in a doctest
        "    ... 38981890700203",
        ">>> siret.validate('38446899700034')",
        ">>> siret.is_valid('39102766100050')",
        "SIRET: 38446899700034",
        "numéro SIREN/SIRET 39039475700020",
        "IBAN RS35 2600 0560 1001 6113 79",
        "... RS35 2600 0560 1001 6113 79",
    ],
)
def test_an_example_of_another_identifier_is_hidden_but_kept(text: str) -> None:
    # when a Luhn-valid, card-shaped number stands on a doctest line or after a word naming another identifier
    found = cards(text)
    # then it is still reported (JSON keeps every finding), below the confidence the table shows
    assert len(found) == 1
    assert found[0].confidence < SHOWN_CONFIDENCE


@pytest.mark.parametrize(
    "text",
    [
        "order 38446899700034 shipped",  # without such context the rule for cards is unchanged
        "card 4111 1111 1111 1111 declined",
        "カード番号: ... 4111111111111111",  # an ellipsis inside a line is not a doctest
        "... and then 4111111111111111 was charged\n",  # nor a line that starts with prose after `...`
    ],
)
def test_card_numbers_outside_such_context_keep_their_confidence(text: str) -> None:
    # when a card number stands anywhere else
    found = cards(text)
    # then it is shown as before
    assert len(found) == 1
    assert found[0].confidence >= SHOWN_CONFIDENCE


def test_a_card_number_field_is_a_card_even_in_a_doctest_file() -> None:
    # given a field named for card numbers whose value sits on a doctest-like line
    unit = TextUnit(text="... 4111111111111111", path="t.json", line=1, key="card_number")
    # when it is scanned
    found = [f for f in Detector(b"k").scan_units([unit]) if isinstance(f, Finding)]
    # then the field's name wins
    assert [f.confidence >= SHOWN_CONFIDENCE for f in found if f.type == "credit_card_number"] == [True]


def test_published_card_test_numbers_are_all_still_shown() -> None:
    # given the published card test numbers (tests/discovery/data/card_test_vectors.csv)
    with VECTORS.open(encoding="utf-8") as handle:
        numbers = [row["number"] for row in csv.DictReader(handle) if row["in_scope"] == "yes"]
    # when each is scanned on its own line after a label, plainly and grouped
    missed = [n for n in numbers if not any(f.confidence >= SHOWN_CONFIDENCE for f in cards(f"カード番号: {n}\n{n}\n"))]
    # then every one is still found and shown (recall 1.0)
    assert missed == []
