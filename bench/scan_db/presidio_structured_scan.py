"""Classify the columns of a SQLite database with presidio-structured; print one JSON document.

Runs in bench/.venv-structured (presidio-structured, presidio-analyzer, pandas). No spaCy model can be
downloaded here, so the analyzer uses Presidio's NoOpNlpEngine with its predefined pattern recognizers
(credit card, e-mail, phone for JP, IBAN, IP, URL, ...) — Presidio's documented set-up without NER.

usage: presidio_structured_scan.py DB_PATH SAMPLE_ROWS
output: {"seconds": float, "columns": [{"table", "column", "entity"}]}
"""

from __future__ import annotations

import json
import logging
import sqlite3
import sys
import time

import pandas as pd
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer.nlp_engine.no_op_nlp_engine import NoOpNlpEngine
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    IpRecognizer,
    PhoneRecognizer,
    UrlRecognizer,
)
from presidio_structured import PandasAnalysisBuilder


def analyzer() -> AnalyzerEngine:
    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in (
        CreditCardRecognizer(),
        EmailRecognizer(),
        PhoneRecognizer(supported_regions=("JP",)),
        IpRecognizer(),
        UrlRecognizer(),
    ):
        registry.add_recognizer(recognizer)
    nlp = NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "none"}])
    return AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=["en"])


def main(db_path: str, sample_rows: int) -> None:
    logging.disable(logging.WARNING)
    builder = PandasAnalysisBuilder(analyzer=analyzer())
    conn = sqlite3.connect(db_path)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
    found = []
    started = time.perf_counter()
    for table in tables:
        df = pd.read_sql_query(f'SELECT * FROM "{table}" LIMIT {int(sample_rows)}', conn)  # noqa: S608
        df = df.astype(str).replace({"None": "", "nan": ""})
        if df.empty:
            continue
        analysis = builder.generate_analysis(df, n=min(len(df), sample_rows), language="en")
        for column, entity in analysis.entity_mapping.items():
            found.append({"table": table, "column": column, "entity": entity})
    print(json.dumps({"seconds": time.perf_counter() - started, "columns": found}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
