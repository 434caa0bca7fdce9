"""The search for structured values (JSON, PHP-serialized, URL-encoded) in a column text finds exactly the lines
that begin with a mark, wherever else the mark's characters appear."""

from __future__ import annotations

import random

import pytest

from mamori.discovery.engine.database import values


def _expected(text: str) -> list[tuple[int, str]]:
    """The rule, spelled out line by line."""
    out = []
    for i, line in enumerate(text.split("\n")):
        starts = line.startswith(values._LINE_MARKS) or ("=" in line and "&" in line)
        if starts and len(line) > 4 and values._structured(line):
            out.append((i, line))
    return out


def test_marks_only_count_at_the_start_of_a_line() -> None:
    text = "\n".join(
        [
            'a:1:{s:4:"card";s:3:"123";}',
            'note a:1:{s:4:"x";}',
            '{"card": "4111"}',
            "x{y} [z] s:1 O:2",
            '[{"a": 1}]',
            'O:8:"stdClass":0:{}',
            "",
            "card=4111&cvv=123",
            "plain text",
            's:5:"hello";',
        ]
    )
    assert list(values._structured_lines(text)) == _expected(text)
    assert [i for i, _ in values._structured_lines(text)] == [0, 2, 4, 5, 7, 9]


@pytest.mark.parametrize("dense", [1, 2, 64])
def test_random_texts_match_the_rule_also_when_many_lines_hold_a_colon(monkeypatch, dense: int) -> None:
    monkeypatch.setattr(values, "_DENSE", dense)
    pieces = ["{", "[", "a:", "O:", "s:", "\n", "\n", "x", "=", "&", "日", "a", "s", ":", "O", ":"]
    rng = random.Random(2018)
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 80)))
        assert list(values._structured_lines(text)) == _expected(text), repr(text)
