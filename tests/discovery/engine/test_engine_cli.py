"""`mamori scan` command line: formats, exit status, masking in every output.

SARIF: the official schema cannot be fetched offline, so SARIF_SUBSET below restates, in our own
words, the properties SARIF 2.1.0 requires of what we emit (version, runs[].tool.driver.name and,
per result, ruleId, message.text and a physical location with an artifact URI and startLine >= 1).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
import pytest

from mamori.discovery.cli import main, parse_size

CARDS = ["4111111111111111", "5555555555554444", "378282246310005"]
CVV = "937"

SARIF_SUBSET = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "runs": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["tool"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {"name": {"type": "string", "minLength": 1}},
                            }
                        },
                    },
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["ruleId", "message", "locations"],
                            "properties": {
                                "ruleId": {"type": "string"},
                                "level": {"enum": ["none", "note", "warning", "error"]},
                                "message": {
                                    "type": "object",
                                    "required": ["text"],
                                    "properties": {"text": {"type": "string"}},
                                },
                                "locations": {
                                    "type": "array",
                                    "minItems": 1,
                                    "items": {
                                        "type": "object",
                                        "required": ["physicalLocation"],
                                        "properties": {
                                            "physicalLocation": {
                                                "type": "object",
                                                "required": ["artifactLocation", "region"],
                                                "properties": {
                                                    "artifactLocation": {
                                                        "type": "object",
                                                        "required": ["uri"],
                                                        "properties": {"uri": {"type": "string"}},
                                                    },
                                                    "region": {
                                                        "type": "object",
                                                        "required": ["startLine"],
                                                        "properties": {"startLine": {"type": "integer", "minimum": 1}},
                                                    },
                                                },
                                            }
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}


@pytest.fixture
def card_tree(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    root.mkdir()
    (root / "pay.log").write_text(
        f"paid {CARDS[0]} ok\ncard {CARDS[1][:4]}-{CARDS[1][4:8]}-{CARDS[1][8:12]}-{CARDS[1][12:]}\ncvv={CVV}\n",
        encoding="utf-8",
    )
    (root / "orders.csv").write_text(f"name,card_no,cvv\nTARO YAMADA,{CARDS[2]},{CVV}\n", encoding="utf-8")
    return root


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "csv", "sarif"])
def test_no_output_format_reveals_a_full_card_number_or_code(
    fmt: str, card_tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # when the tree is scanned in each format
    code, out, err = run(capsys, str(card_tree), "--format", fmt, "--workers", "1")
    # then findings are reported (exit 1) and no full number or middle digits appear anywhere
    assert code == 1
    everything = (out + err).encode("utf-8")
    for number in CARDS:
        assert number.encode() not in everything
        assert number[4:12].encode() not in everything  # spans the masked middle
    assert f"={CVV}".encode() not in everything and f",{CVV}".encode() not in everything
    assert b"411111******1111" in everything


def test_jsonl_has_one_finding_per_line_with_location_fields(
    card_tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, err = run(capsys, str(card_tree), "--format", "jsonl", "--workers", "1")
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) >= 5
    for row in rows:
        assert {
            "type",
            "path",
            "line",
            "column",
            "sheet",
            "cell",
            "masked",
            "detector",
            "confidence",
            "severity",
        } <= set(row)
    assert "By type:" in err  # the summary goes to stderr for machine formats


def test_sarif_output_has_the_required_structure(card_tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, str(card_tree), "--format", "sarif", "--workers", "1")
    document = json.loads(out)
    jsonschema.validate(document, SARIF_SUBSET)
    assert document["runs"][0]["results"]
    rule_ids = {r["id"] for r in document["runs"][0]["tool"]["driver"]["rules"]}
    assert {r["ruleId"] for r in document["runs"][0]["results"]} <= rule_ids


def test_csv_and_json_hold_the_same_findings(card_tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out_csv, _ = run(capsys, str(card_tree), "--format", "csv", "--workers", "1", "--quiet")
    _, out_json, _ = run(capsys, str(card_tree), "--format", "json", "--workers", "1", "--quiet")
    from_csv = [(r["type"], r["masked"]) for r in csv.DictReader(io.StringIO(out_csv))]
    from_json = [(f["type"], f["masked"]) for f in json.loads(out_json)["findings"]]
    assert from_csv == from_json


def test_output_file_is_written(card_tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "report.json"
    code, out, _ = run(capsys, str(card_tree), "--format", "json", "--output", str(target), "--quiet")
    assert code == 1 and out == ""
    assert json.loads(target.read_text(encoding="utf-8"))["summary"]["files_scanned"] == 2


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_streamed_output_file_appears_whole_and_matches_standard_output(
    card_tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    # given a fixed hash key, so both runs write the same fingerprints
    monkeypatch.setenv("MAMORI_SCAN_HASH_KEY", "test-key")
    # when one run writes to a file and one to standard output
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / f"report.{fmt}"
    code, out, _ = run(capsys, str(card_tree), "--format", fmt, "--output", str(target), "--quiet")
    _, printed, _ = run(capsys, str(card_tree), "--format", fmt, "--quiet")
    # then the file holds exactly what was printed, and no partial file is left beside it
    assert code == 1 and out == ""
    assert target.read_text(encoding="utf-8") == printed
    assert [p.name for p in target.parent.iterdir()] == [f"report.{fmt}"]


def test_an_unwritable_output_file_is_a_usage_error(card_tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, str(card_tree), "--format", "jsonl", "--output", str(card_tree / "no" / "x.jsonl"))
    assert code == 2
    assert "cannot write" in err


def test_clean_input_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "clean.txt").write_text("nothing to see\n", encoding="utf-8")
    code, out, _ = run(capsys, str(tmp_path))
    assert code == 0
    assert "0 findings" in out


def test_fail_on_sets_the_threshold(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # given only a low-severity finding
    (tmp_path / "a.txt").write_text("mail taro@example.jp\n", encoding="utf-8")
    # then the default threshold (low) fails and a critical threshold passes
    assert run(capsys, str(tmp_path), "--quiet")[0] == 1
    assert run(capsys, str(tmp_path), "--quiet", "--fail-on", "critical")[0] == 0


@pytest.mark.parametrize(
    "args",
    [
        ["--format", "xml"],
        ["--workers", "0"],
        ["--fail-on", "urgent"],
        ["--types", "credit_card_number,shoe_size"],
        ["--max-file-size", "lots"],
        ["--no-such-option"],
    ],
)
def test_usage_errors_exit_two_with_a_message(
    args: list[str], card_tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, str(card_tree), *args)
    assert code == 2
    assert "mamori scan: error:" in err
    assert "Traceback" not in err


def test_no_arguments_and_missing_paths_exit_two(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys)[0] == 2
    code, _, err = run(capsys, str(tmp_path / "nope"))
    assert code == 2 and "no such file or directory" in err


def test_help_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "--fail-on" in out


def test_a_leading_scan_word_is_accepted(card_tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "scan", str(card_tree), "--quiet")[0] == 1


def test_types_option_limits_the_detectors(card_tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, str(card_tree), "--format", "jsonl", "--types", "card_security_code", "--quiet")
    assert {json.loads(line)["type"] for line in out.splitlines()} == {"card_security_code"}


def test_exclude_and_max_file_size_skip_files(card_tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, str(card_tree), "--format", "jsonl", "--exclude", "*.csv", "--quiet")
    assert all(not json.loads(line)["path"].endswith(".csv") for line in out.splitlines())
    code, out, _ = run(capsys, str(card_tree), "--format", "json", "--max-file-size", "10", "--quiet")
    assert code == 0 and len(json.loads(out)["problems"]) == 2


def test_sizes_parse_with_units() -> None:
    assert parse_size("500M") == 500 * 1024**2
    assert parse_size("2G") == 2 * 1024**3
    assert parse_size("1024") == 1024
    assert parse_size("1.5k") == 1536


def test_a_card_number_in_a_file_name_is_masked_but_dates_are_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given files whose names hold a card number and a date
    (tmp_path / f"dump-{CARDS[0]}.txt").write_text("mail taro@example.jp\n", encoding="utf-8")
    (tmp_path / "access_log-20180830").write_text("mail hanako@example.jp\n", encoding="utf-8")
    # when scanned
    _, out, err = run(capsys, str(tmp_path), "--format", "jsonl")
    # then the card number is masked in paths and the summary, the date is not
    assert CARDS[0] not in out + err
    assert "dump-411111******1111.txt" in out
    assert "access_log-20180830" in out
