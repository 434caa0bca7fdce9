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

from mamori.discovery.engine import precision
from mamori.discovery.engine.families import cards, contact
from mamori.discovery.engine.output import _finding_dict, _json_line, _redacted_path, redact
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


def _in_blob_char_by_char(text: str, start: int, end: int) -> bool:
    """``precision.email_in_blob`` as it was, walking the base64 run one character at a time."""
    alphabet = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
    left = start
    while left > 0 and text[left - 1] in alphabet:
        left -= 1
    right = end
    while right < len(text) and text[right] in alphabet:
        right += 1
    if (start - left) + (right - end) >= 40:
        return True
    if text[max(0, start - 1) : start] in ("/", "=", "+") or text[end : end + 1] in ("+", "/", "="):
        before = text[max(0, start - 300) : start]
        return any(marker in before for marker in precision._BLOB_MARKERS)
    return False


def test_e_mail_addresses_are_found_and_judged_as_before() -> None:
    # given addresses in random base64-like, plain and marked surroundings
    rng = random.Random(2018)
    pieces = ["a", "Z", "9", "+", "/", "=", " ", "\n", ".", "-", "_", "@", "x" * 30, "@example.co.jp"]
    pieces += precision._BLOB_MARKERS
    addresses = ["taro.yamada@example.co.jp", "a@b.jp", "x" * 70 + "@mail.example.com", "git@github.com:o/r"]
    found = 0
    for _ in range(20_000):
        text = "".join(
            rng.choice(addresses) if rng.random() < 0.2 else rng.choice(pieces) for _ in range(rng.randrange(1, 15))
        )
        pos = rng.choice([0, rng.randrange(len(text))])
        endpos = rng.choice([len(text), rng.randrange(pos, len(text) + 1)])
        # when / then
        for m in contact._EMAIL_RE.finditer(text, pos, endpos):
            assert precision.email_in_blob(text, m.start(), m.end()) == _in_blob_char_by_char(text, m.start(), m.end())
        expected = [m.span() for m in contact._EMAIL_RE.finditer(text, pos, endpos)]
        seen = [m.span() for m in contact._EMAIL_RE.finditer(text, max(pos, text.find("@", pos, endpos) - 64), endpos)]
        assert "@" not in text[pos:endpos] or seen == expected
        found += len(list(contact.email_hits(text, pos, endpos)))
    assert found > 1000


def test_the_quick_tests_before_the_card_line_patterns_never_hide_a_match() -> None:
    # given random text of track data, expiry dates, upper-case names and card numbers
    rng = random.Random(7)
    pieces = ["4111111111111111", "=", "^", "12/27", "01/2030", "TARO YAMADA", " ", "\n", "a", "Z", "9", "/", ",", "%B"]
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 25)))
        start = rng.randrange(len(text) + 1)
        # when / then: a number in track data is recognised as before
        low = max(0, start - 120)
        assert cards._in_track(text, start) == (cards._IN_TRACK_RE.search(text, low, start) is not None)
        # and the expiry and holder beside a card are found as before
        card = cards.Hit("credit_card_number", start, min(len(text), start + 16), 0.9, "", "")
        line_start, line_end = cards.line_of(text, card.start, card.end)
        line_start, line_end = max(line_start, card.start - 300), min(line_end, card.end + 300)
        expected = [m.span() for m in cards._EXPIRY_SHAPE_RE.finditer(text, line_start, line_end)]
        expected += [
            m.span()
            for m in cards._UPPER_NAME_RE.finditer(text, line_start, line_end)
            if not any(word in cards.data.NOT_NAME_WORDS for word in m.group().split())
        ]
        assert [(h.start, h.end) for h in cards.same_line_card_context(text, [card])] == expected


def test_a_path_is_redacted_folder_by_folder_as_a_whole() -> None:
    # given paths with card numbers in folders and names, written plainly, grouped and across a separator
    paths = [
        "logs/app.log",
        "4111111111111111/orders.csv",
        "backup/4111-1111-1111-1111.txt",
        "a/4111 1111/1111 1111.log",
        "/srv/5555555555554444/x/4012888888881881",
        "plain",
        "4111111111111111",
        "dir/",
        "/",
        "archive.zip!4111111111111111/member.csv",
    ]
    for path in paths:
        # when / then
        assert _redacted_path(path) == redact(path)
