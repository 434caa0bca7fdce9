"""Writing database scan results (one record per column and type) in the same formats as file scans."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import TextIO
from urllib.parse import quote

from mamori.discovery.engine.database.classify import ColumnResult
from mamori.discovery.engine.database.scan import DatabaseReport
from mamori.discovery.engine.detectors import TYPES
from mamori.discovery.engine.output import _SARIF_LEVEL, SARIF_SCHEMA, TOOL_NAME, redact

CSV_FIELDS = (
    "type",
    "source",
    "table",
    "column",
    "rows_scanned",
    "rows_checked",
    "rows_matched",
    "match_ratio",
    "examples",
    "confidence",
    "severity",
    "data_class",
    "evidence",
    "detector",
)


def _rows(report: DatabaseReport) -> list[dict[str, object]]:
    return [r.as_dict() for r in report.results]


def summary_lines(report: DatabaseReport) -> list[str]:
    lines = [
        f"{report.source}: {len(report.tables)} tables, {sum(report.rows_scanned.values()):,} rows read, "
        f"{len({(r.table, r.column) for r in report.results})} columns with findings"
    ]
    counts: dict[str, int] = {}
    for result in report.results:
        counts[result.type] = counts.get(result.type, 0) + 1
    lines += [f"  {kind}: {n} column(s)" for kind, n in sorted(counts.items())]
    lines += [f"  problem: {redact(p)}" for p in report.problems]
    return lines


def write_table(report: DatabaseReport, out: TextIO) -> None:
    header = ("severity", "type", "table.column", "matched/scanned", "evidence", "examples")
    rows = [
        (
            r.severity.label,
            r.type,
            f"{r.table}.{r.column}",
            f"{r.rows_matched}/{r.rows_scanned}",
            r.evidence,
            ", ".join(r.examples),
        )
        for r in sorted(report.results, key=lambda r: -r.severity)
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    for row in (header, *rows):
        out.write("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() + "\n")
    out.write("\n" + "\n".join(summary_lines(report)) + "\n")


def write_json(report: DatabaseReport, out: TextIO) -> None:
    document = {
        "source": report.source,
        "tables": report.tables,
        "rows_scanned": report.rows_scanned,
        "columns": _rows(report),
        "problems": [redact(p) for p in report.problems],
    }
    json.dump(document, out, ensure_ascii=False, indent=2)
    out.write("\n")


def write_jsonl(report: DatabaseReport, out: TextIO) -> None:
    for row in _rows(report):
        out.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_csv(report: DatabaseReport, out: TextIO) -> None:
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore")
    writer.writeheader()
    for row in _rows(report):
        writer.writerow({**row, "examples": " | ".join(row["examples"])})  # type: ignore[arg-type]


def _sarif_result(r: ColumnResult) -> dict[str, object]:
    uri = quote(f"{r.source}#{r.table}.{r.column}", safe="/:@._-#+")
    return {
        "ruleId": r.type,
        "level": _SARIF_LEVEL[r.severity],
        "message": {
            "text": f"{TYPES[r.type].description if r.type in TYPES else r.type} in column "
            f"{r.table}.{r.column} ({r.rows_matched} of {r.rows_scanned} rows; evidence: {r.evidence})"
        },
        "locations": [
            {
                "physicalLocation": {"artifactLocation": {"uri": uri}, "region": {"startLine": 1}},
                "logicalLocations": [{"fullyQualifiedName": f"{r.table}.{r.column}", "kind": "member"}],
            }
        ],
        "properties": {k: v for k, v in r.as_dict().items() if k not in ("type", "source")},
    }


def write_sarif(report: DatabaseReport, out: TextIO) -> None:
    rules = [
        {
            "id": name,
            "name": name,
            "shortDescription": {"text": info.description},
            "defaultConfiguration": {"level": _SARIF_LEVEL[info.severity]},
        }
        for name, info in sorted(TYPES.items())
    ]
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": TOOL_NAME, "rules": rules}},
                "invocations": [
                    {
                        "executionSuccessful": not report.problems,
                        "toolExecutionNotifications": [
                            {"level": "warning", "message": {"text": redact(p)}} for p in report.problems
                        ],
                    }
                ],
                "results": [_sarif_result(r) for r in report.results],
            }
        ],
    }
    json.dump(document, out, ensure_ascii=False, indent=2)
    out.write("\n")


WRITERS: dict[str, Callable[[DatabaseReport, TextIO], None]] = {
    "table": write_table,
    "json": write_json,
    "jsonl": write_jsonl,
    "csv": write_csv,
    "sarif": write_sarif,
}


def render(report: DatabaseReport, fmt: str) -> str:
    buffer = io.StringIO()
    WRITERS[fmt](report, buffer)
    return buffer.getvalue()
