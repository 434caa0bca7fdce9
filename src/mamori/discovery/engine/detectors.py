"""The scan loop of the exact detectors: they run on the windows the prefilter points at and on structured fields.

The finding types, their field names and words, value patterns and validators are specs in
``mamori.discovery.engine.registry``; the detectors of each family live in ``engine/families/`` (cards, contact,
identifiers, names and addresses). This module cuts the windows, runs each family's detectors on its own windows,
settles overlaps and turns hits into findings.

A detector sees the raw value only inside the engine. What leaves it is a :class:`Finding` with
the masked value and a keyed fingerprint.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator

from mamori.discovery.engine import native
from mamori.discovery.engine.checks import card_brand
from mamori.discovery.engine.families.base import Hit, TypeSpec, moved, normalise_key, trimmed
from mamori.discovery.engine.families.cards import card_hits, record_card_context, same_line_card_context, track_hits
from mamori.discovery.engine.families.contact import email_hits, phone_hits, split_field_hits
from mamori.discovery.engine.families.names_addresses import (
    GENERIC_NAME_CONFIDENCE,
    address_hits,
    display_name_hits,
    honorific_hits,
    name_record_evidence,
    postal_mark_hits,
)
from mamori.discovery.engine.fields import key_kinds, kv_hits, literal_guard
from mamori.discovery.engine.masking import PanFingerprinter, fingerprint
from mamori.discovery.engine.matcher import (
    ALL_FAMILIES,
    CARD,
    CARD_RUN,
    EMAIL,
    JAPANESE,
    KEYWORD,
    PHONE,
    Matcher,
    get_matcher,
)
from mamori.discovery.engine.registry import CARD_TYPES, FIELD_KINDS
from mamori.discovery.engine.registry import TYPES as _REGISTERED
from mamori.discovery.engine.types import AsciiChunk, FileProblem, Finding, TextUnit

__all__ = [
    "CARD_TYPES",
    "GENERIC_NAME_CONFIDENCE",
    "TYPES",
    "Detector",
    "Hit",
    "TypeInfo",
    "key_kinds",
    "literal_guard",
    "normalise_key",
]

# The spec of each finding type (severity, data class, description ...), by code. Older callers knew it
# as ``TypeInfo``.
TypeInfo = TypeSpec
TYPES: dict[str, TypeSpec] = dict(_REGISTERED)

# Characters before and after a prefilter hit (a match end) that the exact detectors look at: room
# for an e-mail's local part or a field name before it, and a value after a field name.
_BEFORE, _AFTER = 80, 100
# Characters beyond a window that its detectors may read: up to 300 either side of a card number for its
# expiry and holder on the same line (``_same_line_card_context``), a few for look-behinds and look-aheads.
_MARGIN = 512
_NO_KINDS: frozenset[str] = frozenset()
_TRACK2_HINT = re.compile(r"=(?<=[0-9]=)[0-9]")  # `[0-9]=[0-9]`, led by its literal: `re` skips ahead to it fast
# Characters before and after a match end that each family's detectors need. A phone number ends at
# most about 21 characters after it starts, and every phone prefilter pattern ends inside the number or
# at its end, so phone windows are narrow (the phone regex has no literal to skip ahead with).
_EXTENTS = {
    CARD: (_BEFORE, _AFTER),
    PHONE: (24, 40),
    EMAIL: (_BEFORE, _AFTER),
    KEYWORD: (_BEFORE, _AFTER),
    JAPANESE: (_BEFORE, _AFTER),
}


def _window_hits(
    text: str, pos: int, endpos: int, kinds: frozenset[str], card_only: bool = False, families: int = ALL_FAMILIES
) -> list[Hit]:
    # Cheap look at the window first: most detectors need a character that is rare in logs, and only the
    # detector families whose prefilter patterns matched in the window run.
    window = text[pos:endpos]
    hits: list[Hit] = []
    cards: list[Hit] = []
    if families & CARD:
        if "^" in window or _TRACK2_HINT.search(window):
            hits += track_hits(text, pos, endpos)
        cards = list(card_hits(text, pos, endpos, kinds))
        hits += cards
    if card_only:
        if families & KEYWORD:
            hits += [h for h in kv_hits(text, pos, endpos) if h.type in CARD_TYPES]
        hits += same_line_card_context(text, cards)
        return hits
    if families & PHONE:
        hits += phone_hits(text, pos, endpos, kinds)
    if families & EMAIL and "@" in window:
        hits += email_hits(text, pos, endpos)
        hits += display_name_hits(text, pos, endpos)
    if families & JAPANESE and not window.isascii():
        if "〒" in window:
            hits += postal_mark_hits(text, pos, endpos)
        if any(mark in window for mark in ("都", "道", "府", "県", "市")):
            hits += address_hits(text, pos, endpos, kinds)
        if any(mark in window for mark in ("様", "殿", "さん")):
            hits += honorific_hits(text, pos, endpos)
    if families & KEYWORD:
        hits += kv_hits(text, pos, endpos)
    hits += same_line_card_context(text, cards)
    return hits


def _field_hits(unit: TextUnit, kinds: frozenset[str]) -> list[Hit]:
    """A structured field whose name says what it holds (`cvv`, `氏名`, `zip` ...): each kind the name
    points to judges the value with its own field check."""
    value, offset = trimmed(unit.text)
    if not value or len(value) > 200:
        return []
    hits: list[Hit] = []
    key = unit.key or ""
    for kind in sorted(kinds):
        field_kind = FIELD_KINDS.get(kind)
        if field_kind is None or field_kind.field is None:
            continue
        found = field_kind.field(key, value)
        if found:
            kind_found, masked, norm, confidence = found
            hits.append(Hit(kind_found, offset, offset + len(value), confidence, masked, norm))
    return hits


def _resolve(hits: list[Hit]) -> list[Hit]:
    """One hit per place: overlapping hits keep the most severe, then the most confident."""
    if len(hits) < 2:
        return hits
    ranked = sorted(hits, key=lambda h: (-TYPES[h.type].severity, -h.confidence, h.start, -(h.end - h.start), h.type))
    # Kept spans never overlap, so sorted by start their ends are sorted too: a bisect finds the neighbours
    # (a plain scan of every kept hit made texts with thousands of hits quadratic).
    starts: list[int] = []
    kept: list[Hit] = []
    for hit in ranked:
        i = bisect.bisect_right(starts, hit.start)
        if i > 0 and kept[i - 1].end > hit.start:
            continue
        if i < len(kept) and kept[i].start < hit.end:
            continue
        starts.insert(i, hit.start)
        kept.insert(i, hit)
    return sorted(kept, key=lambda h: (h.start, h.type))


class Detector:
    """Runs every detector over text units and turns matches into masked, fingerprinted findings."""

    def __init__(
        self,
        hash_key: bytes,
        types: frozenset[str] | None = None,
        min_confidence: float = 0.0,
        matcher: Matcher | None = None,
        card_only: bool = False,
        pan_fingerprints: PanFingerprinter | None = None,
    ) -> None:
        """``card_only``: look only for card data (number, security code, expiry, track data) in free text —
        the cheap mode for the bulk of a full database scan once the columns are classified.
        ``hash_key`` keys the fast fingerprints of values that are not card data; card numbers get one only
        from ``pan_fingerprints`` (slow), other card data never."""
        self.card_only = card_only
        self.hash_key = hash_key
        self.pan_fingerprints = pan_fingerprints
        self.types = types
        self.min_confidence = min_confidence
        self.matcher = matcher or get_matcher(card_only=card_only)

    # -- public ---------------------------------------------------------------------------

    def scan_text(self, text: str, path: str = "<text>", line: int | None = 1) -> list[Finding]:
        """Findings in one piece of text (a convenience for callers that are not reading files)."""
        items = self.scan_units([TextUnit(text=text, path=path, line=line)])
        return [item for item in items if isinstance(item, Finding)]

    def scan_units(self, units: Iterable[TextUnit | AsciiChunk | FileProblem]) -> Iterator[Finding | FileProblem]:
        """Findings in input order; fields of one record are checked together, chunk overlaps once."""
        record: list[TextUnit] = []
        chunks = _ChunkTracker()
        for unit in units:
            if isinstance(unit, FileProblem | AsciiChunk):
                yield from self._flush(record)
                record = []
                if isinstance(unit, FileProblem):
                    yield unit
                else:
                    base = chunks.start_column(unit)
                    yield from self._findings(unit, chunks.new_only(unit, self._ascii_hits(unit.data)), base)
                continue
            if record and (unit.record is None or (unit.path, unit.record) != (record[0].path, record[0].record)):
                yield from self._flush(record)
                record = []
            if unit.record is not None:
                record.append(unit)
            elif unit.key is None and unit.sheet is None:
                base = chunks.start_column(unit)
                hits = chunks.new_only(unit, self._unit_hits(unit))
                yield from self._findings(unit, hits, base)
            else:
                yield from self._findings(unit, self._unit_hits(unit))
        yield from self._flush(record)

    def scan_chunk(self, chunk: AsciiChunk) -> list[Finding]:
        """``scan_units([chunk])`` for the one chunk of a whole file (no overlap with an earlier chunk)."""
        return self._findings(chunk, self._ascii_hits(chunk.data))

    # -- internals ------------------------------------------------------------------------

    def _unit_hits(self, unit: TextUnit) -> list[Hit]:
        kinds = key_kinds(unit.key)
        text = unit.text
        hits: list[Hit] = []
        for pos, endpos, families in self._windows(text):
            hits += _window_hits(text, pos, endpos, kinds, self.card_only, families)
        if kinds:
            hits += _field_hits(unit, kinds)
        return _resolve(hits)

    def _ascii_hits(self, data: bytes | bytearray) -> list[Hit]:
        """``_unit_hits`` for a chunk of ASCII bytes: only the windows are decoded, each with a margin that
        covers what the detectors read around a window, and their hits are moved back to chunk offsets."""
        hits: list[Hit] = []
        for pos, endpos, family in self._windows_in(data, len(data), ascii_only=True):
            low, high = max(0, pos - _MARGIN), min(len(data), endpos + _MARGIN)
            text = data[low:high].decode("ascii")
            for hit in _window_hits(text, pos - low, endpos - low, _NO_KINDS, self.card_only, family):
                hits.append(moved(hit, hit.start + low, hit.end + low))
        return _resolve(hits)

    def _windows(self, text: str) -> list[tuple[int, int, int]]:
        """(start, stop, family) of the stretches around prefilter matches, one detector family each, so a
        window runs only that family's detectors."""
        if not text:
            return []
        return self._windows_in(text.encode("utf-8"), len(text), text.isascii())

    def _windows_in(self, data_bytes: bytes | bytearray, length: int, ascii_only: bool) -> list[tuple[int, int, int]]:
        """``_windows`` of text whose UTF-8 encoding is ``data_bytes`` and which is ``length`` characters long."""
        matches = self.matcher.hit_families(data_bytes)
        if not matches:  # most fields of a structured file
            return []
        per_family: dict[int, list[int]] = {}  # only the families that matched
        runs: list[int] = []
        for end, family in matches:
            if family == CARD_RUN:
                runs.append(end)
            elif family in per_family:
                per_family[family].append(end)
            else:
                per_family[family] = [end]
        if runs:
            candidates = native.card_run_candidates(data_bytes, runs, native.LENGTHS_TABLE)
            cards = [end for end in candidates if _card_brand_at(data_bytes, end)]
            if cards:
                per_family.setdefault(CARD, []).extend(cards)
        if ascii_only:
            offset_of: dict[int, int] | None = None
        else:
            ends = sorted({end for found in per_family.values() for end in found})
            offset_of = dict(zip(ends, _char_offsets(data_bytes, ends), strict=True))
        # Windows are merged per family: in dense text, windows of all families merged into long stretches,
        # and one phone or keyword match then sent a whole stretch through that family's detectors.
        windows: list[tuple[int, int, int]] = []
        for family, (before, after) in _EXTENTS.items():  # in this order, whatever order they matched in
            found = per_family.get(family)
            if not found:
                continue
            merged: list[list[int]] = []
            for end in sorted(found):
                offset = end if offset_of is None else offset_of[end]
                start, stop = max(0, offset - before), min(length, offset + after)
                if merged and start <= merged[-1][1]:
                    merged[-1][1] = stop
                else:
                    merged.append([start, stop])
            windows += [(start, stop, family) for start, stop in merged]
        return windows

    def _flush(self, record: list[TextUnit]) -> Iterator[Finding]:
        if not record:
            return
        per_unit = [self._unit_hits(unit) for unit in record]
        for index, hit in split_field_hits(record):
            per_unit[index].append(hit)
        if any(h.type in ("credit_card_number", "card_track_data") for hits in per_unit for h in hits):
            for unit, hits in zip(record, per_unit, strict=True):
                if not hits:
                    hits.extend(record_card_context(unit))
        name_record_evidence(per_unit)
        for unit, hits in zip(record, per_unit, strict=True):
            yield from self._findings(unit, hits)

    def _findings(self, unit: TextUnit | AsciiChunk, hits: list[Hit], base_column: int = 0) -> list[Finding]:
        findings: list[Finding] = []
        text = _body(unit)
        newlines = 0
        cursor = 0
        for hit in hits:
            if hit.confidence < self.min_confidence or (self.types is not None and hit.type not in self.types):
                continue
            info = TYPES[hit.type]
            if isinstance(unit, AsciiChunk):
                line: int | None = unit.lines.at(hit.start)
            else:
                newlines += unit.text.count("\n", cursor, hit.start)
                cursor = hit.start
                line = None if unit.line is None else unit.line + newlines
            if unit.key is not None:
                column: str | None = unit.key
            else:
                line_start = _last_line_break(text, hit.start)
                column = str(hit.start - line_start + (base_column if line_start < 0 else 0))
            findings.append(
                Finding(
                    type=hit.type,
                    path=unit.path,
                    masked=hit.masked,
                    detector=f"mamori.{hit.type}",
                    confidence=round(hit.confidence, 3),
                    severity=info.severity,
                    data_class=info.data_class,
                    fingerprint=self._fingerprint(hit, unit.path),
                    line=line,
                    column=column,
                    sheet=unit.sheet,
                    cell=unit.cell,
                )
            )
        return findings

    def _fingerprint(self, hit: Hit, location: str) -> str:
        # A fast hash of card data next to its mask gives the hidden digits away to anyone with the key
        # (a security code at once): card numbers get the slow fingerprint or none, other card data none.
        if hit.type == "credit_card_number":
            return self.pan_fingerprints(hit.norm, location) if self.pan_fingerprints else ""
        if hit.type in CARD_TYPES:
            return ""
        return fingerprint(self.hash_key, hit.norm)


def _body(unit: TextUnit | AsciiChunk) -> str | bytes | bytearray:
    """A unit's text as the detectors searched it: the bytes of an ASCII chunk, else the string."""
    return unit.data if isinstance(unit, AsciiChunk) else unit.text


def _last_line_break(text: str | bytes | bytearray, stop: int) -> int:
    """Offset of the last line break before ``stop``, -1 if none."""
    return text.rfind("\n", 0, stop) if isinstance(text, str) else text.rfind(b"\n", 0, stop)


_ASCII_DIGITS = b"0123456789"


def _card_brand_at(encoded: bytes | bytearray, end: int) -> bool:
    """Whether the digit run ending at ``end`` (one that ``native.card_run_candidates`` kept) starts as some
    brand does for its length; a run of another shape is left to the exact detector.

    Logs are full of long digit runs (order numbers, barcodes, IDs): checking each run where the prefilter
    reports it, before a text window is cut out for the exact detectors, is what keeps them cheap. The exact
    detector rejects every run these checks reject, so no finding changes.
    """
    tail = encoded[end - 20 if end > 20 else 0 : end]
    size = len(tail) - len(tail.rstrip(_ASCII_DIGITS))
    return not 13 <= size <= 19 or card_brand(tail[-size:].decode("ascii")) is not None


# UTF-8 continuation bytes: every other byte starts a character.
_CONTINUATION_BYTES = bytes(range(0x80, 0xC0))


def _char_offsets(encoded: bytes | bytearray, byte_offsets: list[int]) -> list[int]:
    """Sorted byte offsets into UTF-8 text turned into string offsets. Prefilter matches may end inside a
    character (a pattern that stops at the first byte of `：`); such an offset counts that character."""
    result: list[int] = []
    chars = 0
    previous = 0
    for offset in byte_offsets:
        chars += len(encoded[previous:offset].translate(None, _CONTINUATION_BYTES))
        previous = offset
        result.append(chars)
    return result


class _ChunkTracker:
    """Remembers the previous text chunk of a file, whose tail the next chunk repeats.

    It gives the column at which a chunk starts (chunks may start mid-line) and drops hits that
    the previous chunk already reported, recognised by their offset in the file.
    """

    def __init__(self) -> None:
        self.path: str | None = None
        self.offset = 0
        self.text: str | bytes | bytearray = ""
        self.base = 0
        self.reported: set[tuple[str, int]] = set()

    def start_column(self, unit: TextUnit | AsciiChunk) -> int:
        base = 0
        if unit.path == self.path and unit.offset is not None and self.offset <= unit.offset:
            rel = unit.offset - self.offset
            newline = _last_line_break(self.text, rel)
            base = rel - newline - 1 if newline >= 0 else self.base + rel
        if unit.path != self.path:
            self.reported = set()
        self.path, self.offset, self.text, self.base = unit.path, unit.offset or 0, _body(unit), base
        return base

    def new_only(self, unit: TextUnit | AsciiChunk, hits: list[Hit]) -> list[Hit]:
        if unit.offset is None:
            return hits
        keys = [(h.type, unit.offset + h.start) for h in hits]
        kept = [h for h, k in zip(hits, keys, strict=True) if k not in self.reported]
        self.reported = set(keys)
        return kept
