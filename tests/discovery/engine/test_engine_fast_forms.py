"""Faster forms of slow general code give the same results: a JSON Lines record written field by field, a finding
pickled as a tuple, the card search that skips short digit runs."""

from __future__ import annotations

import itertools
import json
import pickle
import random
import re
from collections.abc import Iterator

import pytest

from mamori.discovery.engine.families import cards
from mamori.discovery.engine.output import _finding_dict, _json_line
from mamori.discovery.engine.types import DataClass, Finding, Severity


def _findings() -> Iterator[Finding]:
    texts = ["", "plain", 'quote " and \\ back', "改行\n\tタブ", "\x00\x1f\x7f", "\ud800 lone", "4111 1111 1111 1111"]
    for line, column, sheet, cell, confidence, text in itertools.product(
        (None, 0, 1, 10**12),
        (None, "", "12", "card_no"),
        (None, "Sheet1"),
        (None, "B2"),
        (0.0, 0.35, 0.1 + 0.2, 1.0, 1),
        texts,
    ):
        yield Finding(
            type="credit_card_number",
            path=f"dir/{text}.log",
            masked=f"411111******{text}",
            detector="mamori.credit_card_number",
            confidence=confidence,
            severity=Severity.CRITICAL,
            data_class=DataClass.PROHIBITED,
            fingerprint=text,
            line=line,
            column=column,
            sheet=sheet,
            cell=cell,
        )


def test_a_json_line_is_what_the_json_encoder_writes() -> None:
    encode = json.JSONEncoder(ensure_ascii=False).encode
    for finding in _findings():
        # when / then
        assert _json_line(finding) == encode(_finding_dict(finding))


@pytest.mark.parametrize("confidence", [float("nan"), float("inf")])
def test_a_json_line_with_an_unusual_confidence_goes_through_the_encoder(confidence: float) -> None:
    # given
    finding = next(_findings())
    unusual = Finding(
        **{
            **finding.as_dict(),
            "confidence": confidence,
            "severity": finding.severity,
            "data_class": finding.data_class,
        }
    )  # type: ignore[arg-type]
    # when / then
    assert _json_line(unusual) == json.JSONEncoder(ensure_ascii=False).encode(_finding_dict(unusual))


def test_a_finding_survives_pickling() -> None:
    for finding in _findings():
        # when
        copy = pickle.loads(pickle.dumps(finding, protocol=pickle.HIGHEST_PROTOCOL))  # noqa: S301 - our own bytes
        # then
        assert copy == finding
        assert hash(copy) == hash(finding)


def _card_hits_of_every_run(text: str, pos: int, endpos: int) -> list[object]:
    """``card_hits`` as it was: every digit run of the window looked at."""
    hits: list[object] = []
    for m in cards._DIGIT_RUN_RE.finditer(text, pos, endpos):
        if m["s"] is None:
            hit = cards._contiguous_card(text, m.start(), m.end(), frozenset())
            hits += [] if hit is None else [hit]
        else:
            hits += cards._grouped_cards(text, m, frozenset())
    return hits


def test_the_card_search_finds_what_a_look_at_every_digit_run_finds() -> None:
    # given random text of card numbers in every grouping, digits, separators and letters, and random windows
    rng = random.Random(2018)
    numbers = ["4111111111111111", "5555555555554444", "378282246310005", "4012888888881881", "6011111111111117"]
    pieces = [*"0123456789" * 3, *" -+%2０１ー/.aB^=", "%20", "\n"]
    found = 0
    for _ in range(20_000):
        parts = []
        for _ in range(rng.randrange(1, 12)):
            if rng.random() < 0.3:
                number, sep = rng.choice(numbers), rng.choice(["", " ", "-", "%20", "+", "ー"])
                parts.append(sep.join(re.findall(".{1,4}", number)) if sep else number)
            else:
                parts.append("".join(rng.choice(pieces) for _ in range(rng.randrange(1, 10))))
        text = "".join(parts)
        pos = rng.choice([0, rng.randrange(len(text))])
        endpos = rng.choice([len(text), rng.randrange(pos, len(text) + 1)])
        # when / then
        expected = _card_hits_of_every_run(text, pos, endpos)
        assert list(cards.card_hits(text, pos, endpos, frozenset())) == expected, (text, pos, endpos)
        found += len(expected)
    assert found > 500
