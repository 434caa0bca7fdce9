"""Finding a list's card numbers again (照合): in a database, in files, in a preserved copy's bytes.

The discovery engine reads the values (read-only connections, its own file readers) and hands each card number it
sees to :class:`ListFingerprinter`, which hashes it only when its mask is among the list's masks — the rule of
``masking.match_card_numbers`` — and says which list fingerprint it equals. No number leaves this module: a hit
is a location, a row key, an identity and the fingerprint.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from mamori.discovery.engine.checks import ascii_digits
from mamori.discovery.engine.detectors import Detector
from mamori.discovery.engine.masking import PanFingerprinter, mask_card, parse_cost
from mamori.discovery.engine.types import Finding

CARD_NUMBER = "credit_card_number"
BATCH = 2_000
Progress = Callable[[str], None]


PENDING = "pending:"


@dataclass(eq=False)
class ListFingerprinter(PanFingerprinter):
    """A fingerprinter for re-scans: marks the numbers that may be on the list, hashes them later all at once.

    ``masks``/``wanted``: the list's masks and fingerprints. A number whose mask is not among the masks costs
    nothing and gets "". One whose mask is gets a placeholder (``pending:<n>``) and waits, in this object's memory
    only, until :meth:`resolve` hashes every candidate on all cores (one slow hash per cost found among the list's
    fingerprints) and says which placeholders are on the list."""

    masks: frozenset[str] = frozenset()
    wanted: frozenset[str] = frozenset()
    hashed: int = 0
    _costs: list[Any] = field(default_factory=list, repr=False, compare=False)
    _pending: list[str] = field(default_factory=list, repr=False, compare=False)
    _index: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._costs = sorted({c for c in map(parse_cost, self.wanted) if c is not None}, key=lambda c: c.log2_n)

    def __call__(self, pan: str, location: str) -> str:
        digits = ascii_digits(pan)
        if mask_card(digits) not in self.masks:
            return ""
        index = self._index.get(digits)
        if index is None:
            index = len(self._pending)
            self._index[digits] = index
            self._pending.append(digits)
        return f"{PENDING}{index}"

    def resolve(self, progress: Callable[[int], None] | None = None) -> dict[str, str]:
        """Hash every candidate (all cores) and forget the clear numbers: placeholder → list fingerprint."""
        from mamori.cardlists.hashing import fingerprint_all

        found: dict[str, str] = {}
        try:
            for cost in self._costs:
                left = [i for i in range(len(self._pending)) if f"{PENDING}{i}" not in found]
                values = fingerprint_all(self.key, [self._pending[i] for i in left], cost, progress)
                self.hashed += len(left)
                for i, value in zip(left, values, strict=True):
                    if value in self.wanted:
                        found[f"{PENDING}{i}"] = value
        finally:
            self._pending.clear()
            self._index.clear()
        return found


def detector(fingerprinter: ListFingerprinter) -> Detector:
    """The engine's card detectors only, reporting through ``fingerprinter`` (random key for other hashes)."""
    return Detector(secrets.token_bytes(32), frozenset({CARD_NUMBER}), card_only=True, pan_fingerprints=fingerprinter)


@dataclass
class Hit:
    """A list number seen in a place: never the number, only its fingerprint and where."""

    fingerprint: str
    location: str
    row_key: str = ""
    identity: str = ""
    in_person_table: bool = False


def _hits(findings: Iterable[Finding | Any]) -> Iterator[str]:
    for item in findings:
        if isinstance(item, Finding) and item.type == CARD_NUMBER and item.fingerprint:
            yield item.fingerprint


# --------------------------------------------------------------------------------------------------
# Databases


@dataclass
class PersonLink:
    """How to read a row's person (the scoping's mapping): its reflected table and identity expression over it."""

    table: sa.Table
    identity: Any


def scan_columns(
    conn: sa.Connection,
    columns: Collection[tuple[str, str]],
    fingerprinter: ListFingerprinter,
    link: PersonLink | None = None,
    progress: Progress | None = None,
) -> tuple[list[Hit], list[str]]:
    """Read each (table, column) and look for the list's numbers; the problems met, in words."""
    found: list[Hit] = []
    problems: list[str] = []
    scan = detector(fingerprinter)
    inspector = sa.inspect(conn)
    names = {n.lower(): n for n in inspector.get_table_names()}
    by_table: dict[str, list[str]] = {}
    for name, column in columns:
        by_table.setdefault(name, []).append(column)
    for table_name, wanted in sorted(by_table.items()):
        real = names.get(table_name.split(".")[-1].lower())
        if real is None:
            problems.append(f"table {table_name} no longer exists")
            continue
        linked = link is not None and link.table.name.lower() == real.lower()
        table = link.table if linked and link else sa.Table(real, sa.MetaData(), autoload_with=conn)
        cols = [table.c[c] for c in wanted if c in table.c]
        missing = [c for c in wanted if c not in table.c]
        if missing:
            problems.append(f"{real}: no column {', '.join(missing)} any more")
        if not cols:
            continue
        if progress:
            progress(real)
        keys = list(table.primary_key.columns)
        extra = [link.identity.label("__identity")] if linked and link else []
        query = sa.select(*keys, *cols, *extra)
        result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(query)
        for row in result.mappings():
            for col in cols:
                value = row[col.name]
                if value is None:
                    continue
                location = f"{real}.{col.name}"
                for fp in _hits(scan.scan_text(_text(value), path=location)):
                    key = ", ".join(f"{k.name}={row[k.name]}" for k in keys)
                    identity = str(row["__identity"] or "") if linked else ""
                    found.append(Hit(fp, location, key[:300], identity[:320], linked))
    return found, problems


def _text(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", errors="replace")
    return str(value)


def text_columns(conn: sa.Connection) -> list[tuple[str, str]]:
    """Every character column of every table: what to read when no scan has said where the cards are."""
    inspector = sa.inspect(conn)
    out = []
    for table in inspector.get_table_names():
        for col in inspector.get_columns(table):
            if isinstance(col["type"], sa.String | sa.Text | sa.LargeBinary) or "CHAR" in str(col["type"]).upper():
                out.append((table, col["name"]))
    return out


# --------------------------------------------------------------------------------------------------
# Files


def scan_files(paths: Iterable[str | Path], fingerprinter: ListFingerprinter) -> tuple[list[Hit], list[str]]:
    """Read files (archives, spreadsheets, dumps …) with the engine's readers and look for the list's numbers."""
    from mamori.discovery.engine.readers import iter_files, read_file
    from mamori.discovery.engine.types import FileProblem, ReadLimits

    limits = ReadLimits()
    scan = detector(fingerprinter)
    found: list[Hit] = []
    problems: list[str] = []
    for item in iter_files([str(p) for p in paths], limits):
        if isinstance(item, FileProblem):
            problems.append(f"{item.path}: {item.message}")
            continue
        for result in scan.scan_units(read_file(Path(item), limits)):
            if isinstance(result, FileProblem):
                problems.append(f"{result.path}: {result.message}")
            elif result.type == CARD_NUMBER and result.fingerprint:
                where = result.path + (f":{result.line}" if result.line else "")
                if result.sheet:
                    where = f"{result.path} [{result.sheet}]{result.cell or ''}"
                found.append(Hit(result.fingerprint, where[:600]))
    return found, problems
