"""Prefilter: finds, in one pass over a large chunk, the places where a detector could match.

The prefilter patterns are byte patterns written in the common subset of Hyperscan and Python
``re`` syntax, so both back ends look for exactly the same things; they only differ in which end
offsets they report (Hyperscan: every match end; ``re``: non-overlapping matches). The exact
detectors then run on windows around those offsets, which makes the findings identical.

Select the back end with ``MAMORI_SCAN_MATCHER=re|hyperscan|auto`` (auto: Hyperscan if importable).
"""

from __future__ import annotations

import hashlib
import os
import platform
import re
from functools import cache
from pathlib import Path
from typing import Any, Protocol, cast

from mamori.discovery.engine.cardbrands import FIRST_DIGITS
from mamori.discovery.engine.data import DESIGNATED_CITIES, PREFECTURES
from mamori.discovery.engine.registry import KEYWORDS

_FIRST = FIRST_DIGITS.encode("ascii")
# A digit, ASCII or full-width (０-９ is EF BC 90..99 in UTF-8).
_D = rb"(?:[0-9]|\xef\xbc[\x90-\x99])"
# Digit-group separators: space, hyphen, full-width hyphen, ideographic space, Unicode dashes, minus, ー.
_S = rb"(?:[ \-]|\xef\xbc\x8d|\xe3\x80\x80|\xe2\x80[\x90-\x95]|\xe2\x88\x92|\xe3\x83\xbc)"
_MB_S = rb"\xef\xbc\x8d|\xe3\x80\x80|\xe2\x80[\x90-\x95]|\xe2\x88\x92|\xe3\x83\xbc"
_MB_P = _MB_S + rb"|\xef\xbc[\x88\x89]"
# Where a Japanese phone number may start: the start of the text or after anything but these.
_PHONE_START = rb"(?:^|[^0-9A-Za-z_+\-.,/:])"
# Phone group separators additionally allow parentheses (ASCII and full-width).
_P = rb"(?:" + _S + rb"|[()]|\xef\xbc[\x88\x89])"


# A field name counts only as a whole name (see detectors._kv_keyword_regex): not after a letter or
# digit (`ICCID` holds no `cid`) unless URL-encoded `[` precedes it, and not before a letter, digit or
# `_`. The same condition in the spelling each back end supports: Hyperscan has no look-around, and
# `re` must not consume the characters around a name (its matches do not overlap).
def _name_hyperscan(fragment: bytes) -> bytes:
    return rb"(?:^|[^A-Za-z0-9]|%5[Bb])(?:" + fragment + rb")(?:[^A-Za-z0-9_]|$)"


def _name_re(fragment: bytes) -> bytes:
    return rb"(?:(?<![a-z0-9])|(?<=%5b))(?:" + fragment.lower() + rb")(?![a-z0-9_])"  # for lower-cased text


def _literal(text: str) -> bytes:
    return re.escape(text.encode("utf-8"))


CARD_KINDS = ("card_security_code", "card_expiry", "card_expiry_part", "card_holder", "credit_card_number")


# Families of prefilter patterns: a window of text runs only the detectors whose family matched in it.
CARD, PHONE, EMAIL, KEYWORD, JAPANESE = 1, 2, 4, 8, 16
ALL_FAMILIES = CARD | PHONE | EMAIL | KEYWORD | JAPANESE
# A contiguous digit run that may be a card number: the match ends where the run ends, so the run can be
# checked (brand, length, Luhn) before a window is opened for it; what passes counts as CARD.
CARD_RUN = 32
_CARD_SHAPES = 5  # the first five shapes are card numbers and track data, the next four phone numbers


def _pattern_list(card_only: bool = False) -> list[tuple[bytes, bool]]:
    """(pattern, caseless) pairs; each is a superset of what some exact detector accepts.

    ``card_only`` keeps the card-number, track-data and card-keyword patterns (see Detector.card_only).
    """
    # ASCII-only forms (the common case) are kept free of multi-byte alternatives, which Hyperscan
    # scans much faster; values with full-width digits or separators have their own, literal-led forms.
    shape = [
        # Card numbers and track data: every accepted grouping (contiguous, 4-4-4-x, 4-6-x) starts so.
        # Only digits that start some brand's numbers (cardbrands.FIRST_DIGITS: no brand starts with 0 or 7);
        # the length table by first two digits (native.card_run_candidates) then drops millisecond
        # timestamps (13 digits from 1…), ICCIDs (89…) and most IDs before Python sees them.
        # Contiguous numbers must stand alone (13-19 digits between word boundaries), which keeps long
        # IDs and hashes out; grouped numbers need a separator after the first group and may follow a
        # letter (`beginning4024 0071 4587 4441`) but not a hex digit a-f: `[^0-9]` there cost a tenth of
        # the prefilter's speed on logs full of hex request IDs.
        rb"\b[" + _FIRST + rb"][0-9]{12,18}\b",
        rb"(?:\b|[g-zG-Z])[" + _FIRST + rb"][0-9]{3}(?:[ \-+]|%20)[0-9]{4,6}(?:[ \-+]|%20)?[0-9]{4}",
        rb"B[0-9]{13}|%[A-Z][0-9]{13}",  # track 1 (`%B`, or any other format code, then the card number)
        rb"\xef\xbc[\x90-\x99](?:" + _S + rb"?" + _D + rb"){11}",  # starting with a full-width digit
        rb"[0-9]{4}(?:" + _MB_S + rb")",  # ASCII groups with a full-width or Unicode separator
        # Japanese phone numbers: not after a digit, letter or `-+.,/:` (the phone detector's own rule), which
        # keeps the tails of order numbers (`20180929-01438`), decimals and times out.
        _PHONE_START + rb"0[0-9]{0,4}[ \-()]{0,2}[0-9]{1,4}[ \-()]{0,2}[0-9]{3}\b",
        _PHONE_START + rb"0[0-9]{0,4}(?:" + _MB_P + rb")",
        rb"\xef\xbc\x90" + _D + rb"{0,4}" + _P + rb"{0,2}" + _D + rb"{1,4}" + _P + rb"{0,2}" + _D + rb"{3}",
        # International phone numbers: an ASCII form, and any other reaches a multi-byte digit or separator
        # (lead byte E2, E3 or EF) within its first 20 ASCII digits and separators. Two plain patterns
        # instead of one with multi-byte alternatives in every group: Hyperscan runs them much faster.
        rb"\+[1-9](?:[ \-()]{0,2}[0-9]){6}",
        rb"\+[1-9][0-9 \-()]{0,20}[\xe2\xe3\xef]",
        rb"[A-Za-z0-9._%+\-]@[A-Za-z0-9]",  # e-mail addresses
    ]
    if card_only:
        shape = shape[:_CARD_SHAPES]
    patterns = [(p, False) for p in shape]
    for kind, fragments in KEYWORDS.items():
        if card_only and kind not in CARD_KINDS:
            continue
        for fragment in fragments:
            patterns.append((fragment.encode("utf-8"), True))
    if card_only:
        return patterns
    literals = [*PREFECTURES, *DESIGNATED_CITIES, "〒", "様", "殿", "さん"]
    patterns.append((b"|".join(_literal(word) for word in literals), False))
    return patterns


def _families(card_only: bool = False) -> list[int]:
    """The family of each pattern of ``_pattern_list``, index for index."""
    patterns = _pattern_list(card_only)
    shapes = [CARD_RUN] + [CARD] * (_CARD_SHAPES - 1) + ([] if card_only else [PHONE] * 5 + [EMAIL])
    keywords = len(patterns) - len(shapes) - (0 if card_only else 1)
    return shapes + [KEYWORD] * keywords + ([] if card_only else [JAPANESE])


class Matcher(Protocol):
    name: str

    def hit_families(self, data: bytes | bytearray) -> list[tuple[int, int]]:
        """(end byte offset, family bit) of each prefilter match, in any order."""
        ...


class ReMatcher:
    """Pure-Python fallback: the same byte patterns through ``re``."""

    name = "re"

    def __init__(self, card_only: bool = False) -> None:
        # Caseless keywords share one alternation, run case-sensitively over an ASCII-lowered copy
        # (same offsets): `re` skips ahead far faster without IGNORECASE.
        patterns = _pattern_list(card_only)
        families = _families(card_only)
        self._regexes = [
            (re.compile(p), family) for (p, caseless), family in zip(patterns, families, strict=True) if not caseless
        ]
        self._keywords = re.compile(b"|".join(_name_re(p) for p, caseless in patterns if caseless))

    def hit_families(self, data: bytes | bytearray) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        for regex, family in self._regexes:
            found.extend((m.end(), family) for m in regex.finditer(data))
        found.extend((m.end(), KEYWORD) for m in self._keywords.finditer(data.lower()))
        return found


class HyperscanMatcher:
    """All prefilter patterns in one Hyperscan block-mode database: one pass per chunk."""

    name = "hyperscan"

    def __init__(self, card_only: bool = False) -> None:
        patterns = _pattern_list(card_only)
        self._families = _families(card_only)
        self._db = _hyperscan_database(
            [_name_hyperscan(p) if caseless else p for p, caseless in patterns],
            [caseless for _, caseless in patterns],
        )

    def hit_families(self, data: bytes | bytearray) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        append = found.append
        families = self._families

        def on_match(pattern: int, _start: int, end: int, _flags: int, _ctx: object) -> None:
            append((end, families[pattern]))

        self._db.scan(cast(bytes, data), match_event_handler=on_match)  # any buffer will do
        return found


def _hyperscan_database(expressions: list[bytes], caseless: list[bool]) -> Any:
    """The compiled block-mode database, from the cache when an earlier process compiled the same patterns.

    Compiling takes about 0.1 s, paid by every scanning process (each worker of a parallel scan); loading
    a serialized database takes well under a millisecond. Hyperscan checks what it loads (format, version,
    CPU features, checksum): anything it refuses, or a cache that cannot be read or written, means compiling.
    """
    import hyperscan

    flags = [hyperscan.HS_FLAG_CASELESS if c else 0 for c in caseless]
    key = hashlib.sha256(
        repr((expressions, flags, getattr(hyperscan, "__version__", ""), platform.machine())).encode()
    ).hexdigest()
    path = _cache_dir() / f"prefilter-{key[:24]}.hsdb"
    try:
        db = hyperscan.loadb(path.read_bytes(), mode=hyperscan.HS_MODE_BLOCK)
        db.scratch = hyperscan.Scratch(db)
        return db
    except (OSError, hyperscan.error):
        pass
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    db.compile(expressions=expressions, ids=list(range(len(expressions))), elements=len(expressions), flags=flags)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        partial.write_bytes(hyperscan.dumpb(db))
        partial.replace(path)  # atomic: a concurrent reader sees the whole file or none
    except OSError:
        pass
    return db


def _cache_dir() -> Path:
    """``MAMORI_CACHE_DIR``, else ``$XDG_CACHE_HOME/mamori`` or ``~/.cache/mamori``."""
    configured = os.environ.get("MAMORI_CACHE_DIR")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mamori"


def hyperscan_available() -> bool:
    try:
        import hyperscan  # noqa: F401
    except ImportError:
        return False
    return True


@cache
def get_matcher(name: str | None = None, card_only: bool = False) -> Matcher:
    """The prefilter back end named by ``name`` or ``MAMORI_SCAN_MATCHER`` (default auto)."""
    choice = (name or os.environ.get("MAMORI_SCAN_MATCHER") or "auto").strip().lower()
    if choice not in {"auto", "re", "hyperscan"}:
        raise ValueError(f"MAMORI_SCAN_MATCHER must be re, hyperscan or auto, not {choice!r}")
    if choice == "re" or (choice == "auto" and not hyperscan_available()):
        return ReMatcher(card_only)
    return HyperscanMatcher(card_only)
