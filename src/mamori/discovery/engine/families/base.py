"""What every detector family shares: the spec of a finding type, the hit a detector returns, small helpers.

Modelled on presidio-analyzer's recognizers (an entity with its patterns, context words and a validation
step) and detect-secrets' plugins: a :class:`TypeSpec` says everything the scanner, the ledger and the
database classifier need to know about one finding type, and its :class:`FieldKind` rows say which field
names and words announce a value of that type, what the value looks like after them, and how it is validated
and masked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from mamori.discovery.engine.checks import nfkc
from mamori.discovery.engine.types import DataClass, Severity

# (type, masked, normalised, confidence): a value judged to be of a type. The normalised value never leaves
# the detectors (it is only fingerprinted).
Found = tuple[str, str, str, float]
# Validate-and-mask a value found after a field name in text (or in a field): (value, confidence) -> Found.
Validate = Callable[[str, float], Found | None]
# Judge the value of a structured field from its key: (key, value) -> Found.
FieldCheck = Callable[[str, str], Found | None]
# Confidence of a value found after a keyword in free text: (text, keyword end, value match, kind) -> confidence
# (None: not a finding). Without one, a validated value gets ``TEXT_CONFIDENCE``.
TextConfidence = Callable[[str, int, re.Match[str], str], float | None]
TEXT_CONFIDENCE = 0.85

D = "[0-9０-９]"
SEP = "[ \\-－　‐‑‒–—―−ー]"
GS = "(?:[ \\-－　‐‑‒–—―−ー()（）])"
KANJI = "\u4e00-\u9fff々"
KANA = "ぁ-んァ-ヶー"


@dataclass(frozen=True, slots=True)
class FieldKind:
    """What a field name says its value is.

    ``words``: regex fragments (ASCII regex syntax, Japanese as plain literals outside character classes)
    naming such a field in text and in keys — `cvv=123`, `"security_code": "123"`, `セキュリティコード：123`. They
    are also compiled as byte patterns for the Hyperscan prefilter, so they must stay portable.
    ``key_names``: whole key or column names (normalised: lower case, camelCase split, separators `_`).
    ``value``: the regex (group ``v``) of the value after one of ``words`` in text.
    ``validate``: validate and mask such a value; ``field``: the same for a structured field of that name.
    A kind is usually named after the type it reports; some types have more than one (`card_expiry_part`
    for a month or year in a field of its own, `card_holder` for a name on a card).
    """

    name: str
    words: tuple[str, ...] = ()
    key_names: frozenset[str] = frozenset()
    value: str | None = None
    validate: Validate | None = None
    field: FieldCheck | None = None
    text_confidence: TextConfidence | None = None


@dataclass(frozen=True, slots=True)
class TypeSpec:
    """One finding type: everything the engine, the ledger, reconciliation and the database classifier use.

    ``never_store``: sensitive authentication data (security code, track data) — prohibited even where card
    numbers may be kept (PCI DSS 3.3). ``column_hint``: a regex that a database column name (lower case, common
    table prefixes removed) fully matches when the column is named for this type. ``fields``: the field kinds
    whose names announce it, in the order their words are tried (the first that matches a name wins).
    """

    code: str
    severity: Severity
    data_class: DataClass
    description: str
    family: str
    never_store: bool = False
    column_hint: str | None = None
    fields: tuple[FieldKind, ...] = ()


@dataclass(slots=True)
class Hit:
    """A match inside the detectors; ``norm`` (the normalised raw value) never leaves them."""

    type: str
    start: int
    end: int
    confidence: float
    masked: str
    norm: str


def value_field(validate: Validate, confidence: float) -> FieldCheck:
    """A field check that judges the value alone, at ``confidence`` (the key only chose the kind)."""
    return lambda key, value: validate(value, confidence)


def as_hit(found: Found, start: int, end: int) -> Hit:
    """A hit over ``start:end`` from a (type, masked, normalised, confidence) judgement of the value there."""
    kind, masked, norm, confidence = found
    return Hit(kind, start, end, confidence, masked, norm)


def moved(hit: Hit, start: int, end: int) -> Hit:
    return Hit(hit.type, start, end, hit.confidence, hit.masked, hit.norm)


def trimmed(text: str) -> tuple[str, int]:
    """A field's value without surrounding white space, and where it starts."""
    value = text.strip()
    return value, text.find(value)


def text_before(text: str, start: int, size: int = 60) -> str:
    return text[max(0, start - size) : start].lower()


def line_of(text: str, start: int, end: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return line_start, len(text) if line_end < 0 else line_end


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_KEY_JUNK = re.compile(r"[^0-9a-z\u3040-\u30ff\u4e00-\u9fff]+")


def normalise_key(key: str) -> str:
    """`cardNumber`, `Card-Number` and `CARD_NUMBER` all become `card_number`."""
    text = _CAMEL.sub("_", nfkc(key).strip())
    return _KEY_JUNK.sub("_", text.lower()).strip("_")
