"""JSON documents and JSON Lines."""

from __future__ import annotations

import json
from pathlib import Path

from mamori.discovery.engine.readers import read_file
from mamori.discovery.engine.types import AsciiChunk, FileProblem, ReadLimits, TextUnit


def read(path: Path) -> tuple[list[TextUnit | AsciiChunk], list[FileProblem]]:
    items = list(read_file(path, ReadLimits()))
    return [i for i in items if not isinstance(i, FileProblem)], [i for i in items if isinstance(i, FileProblem)]


def test_nested_keys_become_dotted_paths_and_list_items_records(tmp_path: Path) -> None:
    # given an API dump with orders holding card objects
    doc = {
        "shop": "test",
        "orders": [
            {"id": 1, "card": {"number": "4111111111111111", "cvc": "123"}},
            {"id": 2, "card": {"number": "5555555555554444", "cvc": "456"}},
        ],
    }
    path = tmp_path / "orders.json"
    path.write_text(json.dumps(doc))
    # when read
    units, problems = read(path)
    # then leaves carry their key path and each order is its own record
    assert not problems
    pairs = {(u.key, u.text): u.record for u in units}
    assert pairs[("orders.card.number", "4111111111111111")] == pairs[("orders.card.cvc", "123")]
    assert pairs[("orders.card.number", "5555555555554444")] != pairs[("orders.card.number", "4111111111111111")]
    assert ("shop", "test") in pairs


def test_json_lines_with_a_broken_line_reports_it_and_reads_the_rest(tmp_path: Path) -> None:
    # given a JSON Lines log where line 2 was cut off
    path = tmp_path / "events.jsonl"
    path.write_text('{"card_no": "4111111111111111"}\n{"card_no": "42424242\n{"cvv": "999"}\n')
    # when read
    units, problems = read(path)
    # then the problem names line 2, the line is still scanned as text, and line 3 is read
    assert len(problems) == 1 and problems[0].message.startswith("line 2: invalid JSON")
    assert [(u.line, u.key) for u in units] == [(1, "card_no"), (2, None), (3, "cvv")]
    assert units[1].text.startswith('{"card_no": "42424242')


def test_json_lines_are_recognised_by_content(tmp_path: Path) -> None:
    path = tmp_path / "export.log"
    path.write_text('{"email": "a@example.jp"}\n{"email": "b@example.jp"}\n{"email": "c@example.jp"}\n')
    units, _ = read(path)
    assert [(u.key, u.line, u.record) for u in units][1] == ("email", 2, 2)


def test_invalid_json_is_reported_and_scanned_as_text(tmp_path: Path) -> None:
    # given a truncated JSON document
    path = tmp_path / "broken.json"
    path.write_text('{"card": {"number": "4111111111111111", ')
    # when read
    units, problems = read(path)
    # then the problem says where and the text is still scanned
    assert "invalid JSON at line 1" in problems[0].message
    assert "4111111111111111" in units[0].text
