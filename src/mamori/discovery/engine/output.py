"""Report writers: table, JSON, JSON Lines, CSV and SARIF 2.1.0.

Findings carry only masked values and fingerprints, so nothing written here can reveal a full card
number. Problem messages come from readers and are redacted once more before they are written.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import math
import re
from collections.abc import Callable, Iterable
from typing import TextIO
from urllib.parse import quote

from mamori.discovery.engine.checks import ascii_digits, card_brand, luhn_ok
from mamori.discovery.engine.detectors import TYPES
from mamori.discovery.engine.masking import mask_card
from mamori.discovery.engine.precision import SHOWN_CONFIDENCE
from mamori.discovery.engine.scan import ScanReport
from mamori.discovery.engine.types import FileProblem, Finding, Severity

FORMATS = ("table", "json", "jsonl", "csv", "sarif")
STREAMING = ("jsonl", "csv")  # formats written finding by finding as the scan goes
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_NAME = "mamori-scan"
_LONG_DIGITS = re.compile(r"[0-9０-９](?:[ \-]?[0-9０-９]){12,18}")


def _redact_match(match: re.Match[str]) -> str:
    digits = ascii_digits(match.group())
    return mask_card(digits) if card_brand(digits) and luhn_ok(digits) else match.group()


def redact(text: str) -> str:
    """Mask anything in a path or message that could be a card number (first six, last four kept).

    Dates and other long numbers in file names stay readable.
    """
    return _LONG_DIGITS.sub(_redact_match, text)


def _location(f: Finding) -> str:
    where = f.path
    if f.sheet:
        where += f" [{f.sheet}!{f.cell or ''}]"
    elif f.cell:
        where += f" [{f.cell}]"
    if f.line is not None:
        where += f":{f.line}"
    if f.column:
        where += f":{f.column}" if f.column.isdigit() else f" ({f.column})"
    return where


def _problem_dict(p: FileProblem) -> dict[str, object]:
    return {"path": redact(p.path), "message": redact(p.message), "scanned": p.scanned}


def summary_lines(report: ScanReport) -> list[str]:
    # "Skipped" is only what was not scanned; warnings about files that were scanned are listed apart.
    skipped = [p for p in report.problems if not p.scanned]
    warnings = [p for p in report.problems if p.scanned]
    lines = [
        f"{report.files_scanned} files, {report.bytes_scanned} bytes scanned; "
        f"{report.finding_count} findings; {len(skipped)} files or members skipped"
        + (f", {len(warnings)} scanned with warnings" if warnings else ""),
    ]
    if report.per_type:
        lines.append("By type:")
        for name, count in sorted(report.per_type.items(), key=lambda kv: (-TYPES[kv[0]].severity, kv[0])):
            lines.append(f"  {name:<20} {count:>7}  ({TYPES[name].severity.label})")
    if report.per_file:
        lines.append("By file:")
        for path in sorted(report.per_file):
            counts = ", ".join(f"{t}={n}" for t, n in sorted(report.per_file[path].items()))
            lines.append(f"  {redact(path)}: {counts}")
    if skipped:
        lines.append("Skipped:")
        lines.extend(f"  {redact(p.path)}: {redact(p.message)}" for p in skipped)
    if warnings:
        lines.append("Scanned with warnings:")
        lines.extend(f"  {redact(p.path)}: {redact(p.message)}" for p in warnings)
    return lines


def write_table(report: ScanReport, out: TextIO, show_all: bool = False) -> None:
    """The findings a person reads first. Findings below ``SHOWN_CONFIDENCE`` (a bare ten-digit number, a
    name-shaped word in a translation file) are left out behind a count unless ``show_all`` (`--all`);
    every other format, the summary and the exit status keep them."""
    shown = [f for f in report.findings if show_all or f.confidence >= SHOWN_CONFIDENCE]
    headers = ("SEVERITY", "TYPE", "LOCATION", "VALUE", "CONF", "DETECTOR")
    rows = [
        (f.severity.label, f.type, redact(_location(f)), f.masked, f"{f.confidence:.2f}", f.detector) for f in shown
    ]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    for row in (headers, *rows):
        out.write("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() + "\n")
    hidden = len(report.findings) - len(shown)
    if hidden:
        out.write(
            f"\n{hidden} low-confidence findings not shown (confidence below {SHOWN_CONFIDENCE:.2f}); "
            "--all shows them\n"
        )
    out.write("\n" + "\n".join(summary_lines(report)) + "\n")


def _finding_dict(f: Finding) -> dict[str, object]:
    data = f.as_dict()
    data["path"] = _redacted_path(f.path)
    return data


@functools.lru_cache(maxsize=1024)
def _redacted_path(path: str) -> str:
    """``redact`` for paths, which repeat for every finding in a file. A number ``redact`` masks holds only
    digits, spaces and hyphens, never a `/`, so each folder is redacted once (cached) and each name once."""
    folder, slash, name = path.rpartition("/")
    return _redacted_folder(folder) + slash + redact(name) if slash else redact(path)


@functools.lru_cache(maxsize=1024)
def _redacted_folder(folder: str) -> str:
    return redact(folder)


# One encoder for every line: json.dumps with options builds a new encoder on each call.
_JSON_LINE = json.JSONEncoder(ensure_ascii=False).encode
# How that encoder writes a string (the C function where there is one).
_JSON_STR = json.encoder.encode_basestring


_LABELS = {severity: severity.label for severity in Severity}


def _label(severity: Severity) -> str:
    """``severity.label``, looked up (the enum's name property is slow)."""
    return _LABELS.get(severity) or severity.label


def _json_line(f: Finding) -> str:
    """``_JSON_LINE(_finding_dict(f))``, written field by field: the same text (a test compares them on every
    kind of value) for a fifth of the cost. Anything but the usual value types goes through the encoder."""
    confidence = round(f.confidence, 3)
    line = f.line
    if type(confidence) is not float or not math.isfinite(confidence) or not (line is None or type(line) is int):
        return _JSON_LINE(_finding_dict(f))
    text = _JSON_STR
    try:
        return (
            f'{{"type": {text(f.type)}, "path": {text(_redacted_path(f.path))}, '
            f'"line": {"null" if line is None else int.__repr__(line)}, '
            f'"column": {"null" if f.column is None else text(f.column)}, '
            f'"sheet": {"null" if f.sheet is None else text(f.sheet)}, '
            f'"cell": {"null" if f.cell is None else text(f.cell)}, '
            f'"masked": {text(f.masked)}, "detector": {text(f.detector)}, '
            f'"confidence": {float.__repr__(confidence)}, "severity": {text(_label(f.severity))}, '
            f'"data_class": {text(str(f.data_class))}, "fingerprint": {text(f.fingerprint)}}}'
        )
    except TypeError:  # a value that is not a string
        return _JSON_LINE(_finding_dict(f))


def write_json(report: ScanReport, out: TextIO) -> None:
    document = {
        "tool": TOOL_NAME,
        "findings": [_finding_dict(f) for f in report.findings],
        "problems": [_problem_dict(p) for p in report.problems],
        "summary": {
            "files_scanned": report.files_scanned,
            "bytes_scanned": report.bytes_scanned,
            "per_type": dict(sorted(report.per_type.items())),
            "per_file": {redact(p): dict(sorted(c.items())) for p, c in sorted(report.per_file.items())},
        },
    }
    json.dump(document, out, ensure_ascii=False, indent=2)
    out.write("\n")


class FindingStream:
    """Writes findings one file's worth at a time as a scan produces them (JSON Lines, CSV): the output
    is the same as writing the finished report, without holding every finding in memory."""

    def __init__(self, fmt: str, out: TextIO) -> None:
        if fmt not in STREAMING:
            raise ValueError(f"{fmt} output needs the whole report")
        self._out = out
        self._csv: csv.DictWriter[str] | None = None
        self._rows = io.StringIO()  # one file's CSV rows, handed on in one write
        if fmt == "csv":
            self._csv = csv.DictWriter(self._rows, fieldnames=_CSV_FIELDS, lineterminator="\n")
            self._csv.writeheader()
            self._flush_rows()

    def write(self, findings: Iterable[Finding]) -> None:
        # One write per file, not per finding: an unbuffered stream (PYTHONUNBUFFERED, a pipe set to write
        # through) makes each write a system call.
        if self._csv is not None:
            self._csv.writerows(_finding_dict(f) for f in findings)
            self._flush_rows()
        else:
            text = "".join([_json_line(f) + "\n" for f in findings])
            if text:
                self._out.write(text)

    def _flush_rows(self) -> None:
        rows = self._rows.getvalue()
        if rows:
            self._out.write(rows)
            self._rows.seek(0)
            self._rows.truncate()


def write_jsonl(report: ScanReport, out: TextIO) -> None:
    FindingStream("jsonl", out).write(report.findings)


def write_csv(report: ScanReport, out: TextIO) -> None:
    FindingStream("csv", out).write(report.findings)


_CSV_FIELDS = [
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
    "data_class",
    "fingerprint",
]

_SARIF_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}


def _artifact_uri(path: str) -> str:
    # Archive members are written outer.zip!inner; keep "!" and "/" readable, escape the rest.
    return quote(redact(path).replace("\\", "/"), safe="/!:._-~")


def _sarif_result(f: Finding) -> dict[str, object]:
    region: dict[str, object] = {"startLine": f.line if f.line and f.line >= 1 else 1}
    if f.column and f.column.isdigit():
        region["startColumn"] = max(1, int(f.column))
    properties: dict[str, object] = {
        "severity": f.severity.label,
        "dataClass": str(f.data_class),
        "confidence": round(f.confidence, 3),
        "masked": f.masked,
    }
    for name in ("sheet", "cell"):
        if getattr(f, name):
            properties[name] = getattr(f, name)
    if f.column and not f.column.isdigit():
        properties["field"] = f.column
    result: dict[str, object] = {
        "ruleId": f.type,
        "level": _SARIF_LEVEL[f.severity],
        "message": {"text": f"{TYPES[f.type].description} found: {f.masked}"},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": _artifact_uri(f.path)}, "region": region}}],
        "properties": properties,
    }
    if f.fingerprint:  # card data has none (docs/security.md)
        result["partialFingerprints"] = {"mamoriValue/v1": f.fingerprint}
    return result


def sarif_document(report: ScanReport) -> dict[str, object]:
    rules = [
        {
            "id": name,
            "name": name,
            "shortDescription": {"text": info.description},
            "defaultConfiguration": {"level": _SARIF_LEVEL[info.severity]},
            "properties": {"severity": info.severity.label, "dataClass": str(info.data_class)},
        }
        for name, info in sorted(TYPES.items())
    ]
    notifications = [
        {
            "level": "warning",
            "message": {"text": redact(p.message)},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": _artifact_uri(p.path)}}}],
        }
        for p in report.problems
    ]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": TOOL_NAME, "rules": rules}},
                "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
                "results": [_sarif_result(f) for f in report.findings],
            }
        ],
    }


def write_sarif(report: ScanReport, out: TextIO) -> None:
    json.dump(sarif_document(report), out, ensure_ascii=False, indent=2)
    out.write("\n")


WRITERS: dict[str, Callable[[ScanReport, TextIO], None]] = {
    "table": write_table,
    "json": write_json,
    "jsonl": write_jsonl,
    "csv": write_csv,
    "sarif": write_sarif,
}


def render(report: ScanReport, fmt: str) -> str:
    buffer = io.StringIO()
    WRITERS[fmt](report, buffer)
    return buffer.getvalue()
