"""The registry of finding types: one :class:`TypeSpec` per type, collected from the detector families.

Everything else that needs to know the types reads them here: the detectors (severity, data class, the field
names and words that announce a value, its pattern, how it is validated and masked), the Hyperscan prefilter
(the words), the database classifier (column-name hints), reconciliation (what must never be stored) and the
ledger, whose ``ScannerType`` choices and data-category catalogue a test keeps equal to ``TYPES``.

Adding a type is one spec in its family's module; adding a family is one module listed in ``FAMILIES``.
(Like presidio-analyzer's recognizer registry or detect-secrets' plugins, but as plain data: the prefilter
needs every pattern up front.) Card brands are rows of ``cardbrands.CARD_BRANDS``.
"""

from __future__ import annotations

import re
from types import MappingProxyType

from mamori.discovery.engine.families import cards, contact, identifiers, names_addresses
from mamori.discovery.engine.families.base import FieldKind, TypeSpec

FAMILIES = (cards, identifiers, contact, names_addresses)


def _collect() -> tuple[TypeSpec, ...]:
    specs = tuple(spec for family in FAMILIES for spec in family.SPECS)
    codes = [spec.code for spec in specs]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        raise ValueError(f"finding types registered twice: {', '.join(duplicates)}")
    kinds = [kind.name for spec in specs for kind in spec.fields]
    if len(kinds) != len(set(kinds)):
        raise ValueError("a field kind is registered twice")
    return specs


SPECS: tuple[TypeSpec, ...] = _collect()
TYPES: MappingProxyType[str, TypeSpec] = MappingProxyType({spec.code: spec for spec in SPECS})
# Field kinds in registry order: the order in which their words are tried on a field name in text.
FIELD_KINDS: MappingProxyType[str, FieldKind] = MappingProxyType(
    {kind.name: kind for spec in SPECS for kind in spec.fields}
)


def family_types(family: str) -> frozenset[str]:
    """The codes of one family's types (``"cards"``: card number, security code, expiry, track data)."""
    return frozenset(spec.code for spec in SPECS if spec.family == family)


CARD_TYPES: frozenset[str] = family_types(cards.FAMILY)
# Sensitive authentication data: never to be stored, not even where card numbers may be kept.
NEVER_STORE_TYPES: frozenset[str] = frozenset(spec.code for spec in SPECS if spec.never_store)
# Field-name words per kind (regex fragments), for the prefilter and the keyword search in text.
KEYWORDS: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(
    {name: kind.words for name, kind in FIELD_KINDS.items() if kind.words}
)
# Whole key and column names per kind (normalised).
KEY_NAMES: MappingProxyType[str, frozenset[str]] = MappingProxyType(
    {name: kind.key_names for name, kind in FIELD_KINDS.items() if kind.key_names}
)
# Value patterns after a field name in text, in the order their words are tried.
VALUE_PATTERNS: MappingProxyType[str, str] = MappingProxyType(
    {name: kind.value for name, kind in FIELD_KINDS.items() if kind.value is not None}
)
# (type, regex) pairs a database column name is matched against, first match wins.
COLUMN_HINTS: tuple[tuple[str, str], ...] = tuple(
    (spec.code, spec.column_hint) for spec in SPECS if spec.column_hint is not None
)


def check() -> None:
    """Fail loudly at import on a spec that cannot work: a value pattern without its validator, a hint that
    does not compile."""
    for name, kind in FIELD_KINDS.items():
        if kind.value is not None and (kind.validate is None or not kind.words):
            raise ValueError(f"field kind {name}: a value pattern needs words and a validator")
        if kind.value is not None and "(?P<v>" not in kind.value:
            raise ValueError(f"field kind {name}: the value pattern needs a group named v")
    for code, hint in COLUMN_HINTS:
        try:
            re.compile(hint)
        except re.error as exc:
            raise ValueError(f"column hint of {code} does not compile: {exc}") from None


check()
