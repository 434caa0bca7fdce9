"""Accuracy of the file scanner on the labelled hobby-shop corpus.

A finding counts as correct when a label has the same (path, line — or sheet and cell —, type).
Targets (issue "Discovery scanner part 1"): cards >= 0.995 precision and recall; security code and expiry
>= 0.95; My Number, e-mail and phone >= 0.98. Other types are printed but not yet held to a target.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mamori.discovery.corpus import CorpusManifest, Score, finding_key, generate, score, score_table

scan = pytest.importorskip("mamori.discovery.engine.scan", reason="scanner engine not written yet")

TARGETS = {
    "credit_card_number": 0.995,
    "card_security_code": 0.95,
    "card_expiry": 0.95,
    "my_number": 0.98,
    "email_address": 0.98,
    "phone_number": 0.98,
}
ALL_TYPES = (
    "credit_card_number",
    "card_security_code",
    "card_expiry",
    "my_number",
    "phone_number",
    "email_address",
    "postal_code",
    "address",
    "person_name",
    "bank_account",
    "drivers_license",
    "passport_number",
)
SCALE = 0.5  # about 3 MB


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> CorpusManifest:
    return generate(tmp_path_factory.mktemp("accuracy"), seed=2018, scale=SCALE)


@pytest.fixture(scope="module")
def report(corpus: CorpusManifest) -> object:
    return scan.scan_paths([corpus.root], scan.ScanOptions(workers=1, hash_key=b"k"))


@pytest.fixture(scope="module")
def scores(corpus: CorpusManifest, report: object) -> dict[str, Score]:
    found = [
        finding_key(f.path, f.line, f.sheet, f.cell, f.type, corpus.root)
        for f in report.findings  # type: ignore[attr-defined]
    ]
    result = score(corpus.labels, found, ALL_TYPES)
    print("\n" + score_table(result, f"accuracy on {corpus.total_bytes / 1e6:.1f} MB corpus (seed 2018)"))
    return result


def test_the_scanner_reads_every_corpus_file_without_problems(corpus: CorpusManifest, report: object) -> None:
    # then
    assert report.problems == []  # type: ignore[attr-defined]
    assert report.files_scanned == len(corpus.files)  # type: ignore[attr-defined]


@pytest.mark.parametrize("kind", list(TARGETS))
def test_precision_meets_the_target(kind: str, scores: dict[str, Score]) -> None:
    # given
    result = scores[kind]
    # then
    assert result.precision >= TARGETS[kind], (
        f"{kind}: precision {result.precision:.4f} < {TARGETS[kind]} ({result.false_positives} false positives)"
    )


@pytest.mark.parametrize("kind", list(TARGETS))
def test_recall_meets_the_target(kind: str, scores: dict[str, Score]) -> None:
    # given
    result = scores[kind]
    # then
    assert result.recall >= TARGETS[kind], (
        f"{kind}: recall {result.recall:.4f} < {TARGETS[kind]} ({result.false_negatives} missed)"
    )


def test_findings_show_cards_only_masked_to_first_six_and_last_four(report: object) -> None:
    # given
    cards = [f for f in report.findings if f.type == "credit_card_number"]  # type: ignore[attr-defined]
    # then
    assert cards
    for finding in cards:
        digits = re.sub(r"\D", "", finding.masked.translate(str.maketrans("０１２３４５６７８９", "0123456789")))
        assert len(digits) <= 10, finding.masked


def test_no_jsonl_output_contains_a_full_card_number(corpus: CorpusManifest, tmp_path: Path) -> None:
    # given
    planted = set(corpus.planted["credit_card_number"])
    # when
    run = subprocess.run(
        [sys.executable, "-m", "mamori.discovery.cli", str(corpus.root), "--format", "jsonl", "--quiet"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    # then
    assert run.returncode in (0, 1, 2), run.stderr[-2000:]
    records = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    assert records, run.stderr[-2000:]
    for text in (run.stdout, run.stderr):
        halfwidth = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
        squeezed = re.sub(r"[\s\-+－]", "", halfwidth)  # a grouped number must not slip through either
        leaked = [number[:6] + "…" for number in planted if number in squeezed]
        assert leaked == []


@pytest.mark.parametrize("kind", ALL_TYPES)
def test_nothing_planted_is_missed_or_invented(kind: str, scores: dict[str, Score]) -> None:
    # The generated corpus holds no value that is meant to be unfindable, so any miss or false alarm is a
    # regression, even one small enough to leave the target met (a shifted window once cost 0.3 %
    # of My Numbers in long Japanese files).
    result = scores[kind]
    assert (result.false_negatives, result.false_positives) == (0, 0), kind
