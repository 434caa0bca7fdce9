"""Run Presidio's pattern recognizers over a folder; write one JSON line per result (path, line, type).

Runs in bench/.venv-peers (presidio-analyzer). No spaCy model can be downloaded here, so the analyzer gets
Presidio's own NoOpNlpEngine and a registry holding only the pattern recognizers whose entities map to
Mamori's types (credit card, e-mail, phone with region JP). That is Presidio's fastest configuration:
no NER, three recognizers. Context words from the text are not used (they need NLP tokens).

usage: presidio_scan.py ROOT OUT.jsonl   (prints {"seconds": ..., "bytes": ...} on stdout)
"""

from __future__ import annotations

import bisect
import json
import logging
import sys
import time
from pathlib import Path
from typing import TextIO

from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer.nlp_engine.no_op_nlp_engine import NoOpNlpEngine
from presidio_analyzer.predefined_recognizers import CreditCardRecognizer, EmailRecognizer, PhoneRecognizer

TYPES = {"CREDIT_CARD": "credit_card_number", "EMAIL_ADDRESS": "email_address", "PHONE_NUMBER": "phone_number"}
CHUNK_LINES = 500  # lines per analyze() call: large enough to amortise call overhead, small enough for regexes
SKIP_SUFFIXES = (".xlsx", ".zip")


def build_engine() -> AnalyzerEngine:
    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in (CreditCardRecognizer(), EmailRecognizer(), PhoneRecognizer(supported_regions=("JP",))):
        registry.add_recognizer(recognizer)
    nlp = NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "none"}])
    return AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=["en"])


def decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def scan_file(engine: AnalyzerEngine, root: Path, path: Path, out: TextIO) -> None:
    lines = decode(path.read_bytes()).split("\n")
    rel = str(path.relative_to(root))
    for start in range(0, len(lines), CHUNK_LINES):
        chunk_lines = lines[start : start + CHUNK_LINES]
        text = "\n".join(chunk_lines)
        offsets, pos = [], 0
        for line in chunk_lines:
            offsets.append(pos)
            pos += len(line) + 1
        for result in engine.analyze(text=text, language="en", entities=list(TYPES)):
            line_no = start + bisect.bisect_right(offsets, result.start)
            out.write(json.dumps({"path": rel, "line": line_no, "type": TYPES[result.entity_type]}) + "\n")


def main(argv: list[str]) -> int:
    logging.disable(logging.CRITICAL)  # tldextract tries to fetch a suffix list and logs the failure
    root, out_path = Path(argv[1]), Path(argv[2])
    engine = build_engine()
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.name.endswith(SKIP_SUFFIXES))
    started = time.perf_counter()
    total = 0
    with out_path.open("w", encoding="utf-8") as out:
        for path in files:
            total += path.stat().st_size
            scan_file(engine, root, path, out)
    print(json.dumps({"seconds": time.perf_counter() - started, "bytes": total, "files": len(files)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
