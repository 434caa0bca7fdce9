"""Per-column evidence and the rules that turn it into a classification.

A column is reported with a type when (documented in docs/scanner.md):
- any value is a confirmed card number, security code or track data — one stored value is already a
  finding (prohibited data);
- or at least ``MIN_RATIO`` of its non-empty scanned values match the type;
- or its name suggests the type and at least one value matches (name and values agree);
- and, whatever the ratio, findings of low confidence (below ``WEAK_CONFIDENCE``, e.g. a person name
  inferred only from a bare ``name`` key) count only when the column's name suggests the same type.
A column whose name suggests a type but whose values show none is reported with ``NAME_ONLY_CONFIDENCE``
and ``evidence = "name"``, so a reviewer knows it rests on the name alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from mamori.discovery.engine.database.names import hinted_type
from mamori.discovery.engine.detectors import CARD_TYPES
from mamori.discovery.engine.types import DataClass, Finding, Severity

MIN_RATIO = 0.2
# Findings below this confidence rest on weak context (a bare "name" key, say): they count only when the
# column's name points to the same type.
WEAK_CONFIDENCE = 0.7
NAME_ONLY_CONFIDENCE = 0.35
MAX_EXAMPLES = 3
NAME_ONLY_SEVERITY = {
    "credit_card_number": Severity.HIGH,
    "card_security_code": Severity.HIGH,
    "card_expiry": Severity.MEDIUM,
    "my_number": Severity.MEDIUM,
}


@dataclass
class TypeEvidence:
    rows: set[int] = field(default_factory=set)  # rows of the current shard that matched (until sealed)
    matched: int = 0  # rows counted in sealed shards
    # (row sort key, masked, keyed hash): one example per masked form, smallest row keys kept
    examples: list[tuple[str, str, str]] = field(default_factory=list)
    confidence: float = 0.0
    severity: Severity = Severity.INFO
    data_class: DataClass = DataClass.PERSONAL
    detector: str = ""

    def keep_examples(self, candidates: Iterable[tuple[str, str, str]]) -> None:
        best: dict[str, tuple[str, str]] = {}
        for key, masked, fingerprint in [*self.examples, *candidates]:
            if masked not in best or (key, fingerprint) < best[masked]:
                best[masked] = (key, fingerprint)
        self.examples = sorted((key, masked, fp) for masked, (key, fp) in best.items())[:MAX_EXAMPLES]

    def absorb(self, other: TypeEvidence) -> None:
        self.matched += other.matched + len(other.rows)
        self.keep_examples(other.examples)
        if (other.confidence, other.detector) > (self.confidence, self.detector):
            self.confidence, self.detector = other.confidence, other.detector
        self.severity = max(self.severity, other.severity)
        if other.data_class == DataClass.PROHIBITED:
            self.data_class = DataClass.PROHIBITED


@dataclass
class ColumnEvidence:
    """What one column showed: how many rows were read, and per type how many rows matched.

    Shards (tables, key ranges) are scanned separately and merged; the result does not depend on the
    order of merging, so a distributed scan equals a local one.
    """

    rows_scanned: int = 0
    rows_nonempty: int = 0
    rows_checked: int = 0  # rows whose cells got the per-field (context) check
    types: dict[str, TypeEvidence] = field(default_factory=dict)

    def add(self, finding: Finding, row_key: str, row: int) -> None:
        ev = self.types.setdefault(finding.type, TypeEvidence())
        ev.rows.add(row)
        ev.keep_examples([(row_key, finding.masked, finding.fingerprint)])
        probe = TypeEvidence(
            confidence=finding.confidence,
            detector=finding.detector,
            severity=finding.severity,
            data_class=finding.data_class,
        )
        ev.absorb(probe)

    def count(self, kind: str) -> int:
        ev = self.types.get(kind)
        return ev.matched + len(ev.rows) if ev else 0

    def merge(self, other: ColumnEvidence) -> None:
        self.rows_scanned += other.rows_scanned
        self.rows_nonempty += other.rows_nonempty
        self.rows_checked += other.rows_checked
        for kind, ev in other.types.items():
            self.types.setdefault(kind, TypeEvidence()).absorb(ev)


@dataclass(frozen=True)
class ColumnResult:
    """One reported (column, type): the output record of a database scan."""

    type: str
    source: str
    table: str
    column: str
    rows_scanned: int
    rows_checked: int  # rows looked at for this type (all rows for card data; the first rows otherwise)
    rows_matched: int
    match_ratio: float
    examples: tuple[str, ...]
    fingerprints: tuple[str, ...]  # the examples' fingerprints (empty for card data without one; see Finding)
    confidence: float
    severity: Severity
    data_class: DataClass
    evidence: str  # "values", "values+name" or "name"
    detector: str

    def as_dict(self) -> dict[str, object]:
        return {
            "type": self.type,
            "source": self.source,
            "table": self.table,
            "column": self.column,
            "rows_scanned": self.rows_scanned,
            "rows_checked": self.rows_checked,
            "rows_matched": self.rows_matched,
            "match_ratio": round(self.match_ratio, 4),
            "examples": list(self.examples),
            "fingerprints": list(self.fingerprints),
            "confidence": round(self.confidence, 3),
            "severity": self.severity.label,
            "data_class": str(self.data_class),
            "evidence": self.evidence,
            "detector": self.detector,
        }


def classify(source: str, table: str, column: str, evidence: ColumnEvidence) -> list[ColumnResult]:
    """Apply the reporting rules to one column's evidence; most severe type first."""
    hint = hinted_type(column)
    results: list[ColumnResult] = []
    for kind, ev in evidence.types.items():
        matched = evidence.count(kind)
        # Card data is looked for in every row; other types in the ``rows_checked`` rows.
        base = evidence.rows_nonempty if kind in CARD_TYPES else min(evidence.rows_nonempty, evidence.rows_checked)
        ratio = min(1.0, matched / base) if base else 0.0
        prohibited = ev.data_class == DataClass.PROHIBITED
        if not (prohibited or ratio >= MIN_RATIO or hint == kind):
            continue
        if ev.confidence < WEAK_CONFIDENCE and hint != kind:
            continue
        confidence = min(0.99, ev.confidence + (0.1 if hint == kind else 0.0))
        results.append(
            ColumnResult(
                kind,
                source,
                table,
                column,
                evidence.rows_scanned,
                base,
                matched,
                ratio,
                tuple(m for _, m, _ in ev.examples),
                tuple(fp for _, _, fp in ev.examples),
                confidence,
                ev.severity,
                ev.data_class,
                "values+name" if hint == kind else "values",
                ev.detector,
            )
        )
    if hint and hint not in evidence.types and evidence.rows_nonempty:
        results.append(
            ColumnResult(
                hint,
                source,
                table,
                column,
                evidence.rows_scanned,
                evidence.rows_checked,
                0,
                0.0,
                (),
                (),
                NAME_ONLY_CONFIDENCE,
                NAME_ONLY_SEVERITY.get(hint, Severity.LOW),
                DataClass.PROHIBITED if hint in ("credit_card_number", "card_security_code") else DataClass.PERSONAL,
                "name",
                "column-name",
            )
        )
    return sorted(results, key=lambda r: (-r.severity, -r.confidence, r.type))


def classify_all(source: str, tables: Iterable[tuple[str, dict[str, ColumnEvidence]]]) -> list[ColumnResult]:
    out: list[ColumnResult] = []
    for table, columns in tables:
        for column, evidence in columns.items():
            out.extend(classify(source, table, column, evidence))
    return out
