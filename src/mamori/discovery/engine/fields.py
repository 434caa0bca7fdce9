"""Field names and the values after them: which kinds a key names (``key_kinds``) and the `name=value` search
in free text (``kv_hits``), both built from the registry's field kinds."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache, lru_cache

from mamori.discovery.engine import data
from mamori.discovery.engine.families.base import TEXT_CONFIDENCE, Hit, as_hit, normalise_key
from mamori.discovery.engine.registry import FIELD_KINDS, KEY_NAMES, KEYWORDS, VALUE_PATTERNS

# Separator between a field name and its value in text: `k=v`, `"k": "v"`, `k：v`, PHP `"k";s:3:"v"`.
_KV_SEP = (
    r"""[^\S\n]*(?:[(（][^)）\n]{0,12}[)）])?[^\S\n]*(?:\\?["'\]]|%5[Dd])?[^\S\n]*"""
    r"""(?:[:：=＝]|=>|->|は|;s:\d+:)?[^\S\n]*\\?["'\[「]?[^\S\n]*"""
)
# Field kinds with a value pattern, in the order their words are tried: the first keyword group that matches a
# field name decides the value expected.
_KV_VALUES = VALUE_PATTERNS


def _kv_keyword_regex(lowered: bool = False) -> re.Pattern[str]:
    """All field names in one pass; the group that matched says which value to expect after it.

    ``lowered``: the same search, case-sensitive, for text already lower-cased — `re` runs an
    alternation several times faster without IGNORECASE, and ASCII logs are the bulk of a scan.
    """
    groups = "|".join(
        f"(?P<{kind}>{'|'.join(f.lower() if lowered else f for f in KEYWORDS[kind])})" for kind in _KV_VALUES
    )
    # `card%5Bcvc%5D=445` is `card[cvc]=445` URL-encoded. A keyword must end the field name, so
    # `card_expire` does not stop the search before `card_expire_month`.
    pattern = rf"(?:(?<![A-Za-z0-9])|(?<=%5[Bb]))(?:{groups})(?![A-Za-z0-9_])"
    return re.compile(pattern) if lowered else re.compile(pattern, re.IGNORECASE)


_KV_KEYWORD_RE = _kv_keyword_regex()
_KV_KEYWORD_LOWER_RE = _kv_keyword_regex(lowered=True)
_META = set("\\[](){}?*+|.^$")


def literal_guard(fragment: str) -> str:
    """A plain substring (lower case) that every match of a keyword fragment contains.

    The leading literal run is used (its last character dropped when a quantifier follows); a
    fragment that opens with a group falls back to its trailing literal run.
    """
    pair = re.fullmatch(r"([a-z]+)\[[^\]]*\]\?([a-z]+)", fragment)
    if pair:  # `post[ _\-]?code`: both words are required; the later one is rarer in logs (POST)
        first, second = pair.groups()
        return first if len(first) > len(second) or len(second) < 3 else second
    run = ""
    for index, char in enumerate(fragment):
        if char in _META:
            if char in "?*{" and run:
                run = run[:-1]
            break
        run += char
        if index == len(fragment) - 1:
            return run.lower()
    if run:
        return run.lower()
    tail = re.search(r"[^\\\[\](){}?*+|.^$]+$", fragment)
    return tail.group().lower() if tail else ""


_KV_GUARDS: tuple[str, ...] = tuple(sorted({literal_guard(f) for kind in _KV_VALUES for f in KEYWORDS[kind]}))
# One alternation of the guards: a single pass in C instead of a Python loop over every guard.
_KV_GUARD_RE = re.compile("|".join(re.escape(guard) for guard in sorted(_KV_GUARDS, key=len, reverse=True)))


@cache
def _kv_value_re(kind: str) -> re.Pattern[str]:
    """The separator and value pattern after a field name of ``kind`` (compiled when first needed: all of them
    took a tenth of the scanner's start-up, and a log without field names needs none)."""
    return re.compile(_KV_SEP + _KV_VALUES[kind], re.IGNORECASE)


_KEY_RES: dict[str, re.Pattern[str]] = {
    kind: re.compile(rf"(?<![a-z0-9])(?:{'|'.join(words)})(?![a-z0-9])", re.IGNORECASE)
    for kind, words in KEYWORDS.items()
}


@lru_cache(maxsize=8192)
def key_kinds(key: str | None) -> frozenset[str]:
    """What a field name says about its value: detector kinds from the keyword and key-name tables.
    (Cached: structured files repeat a few keys millions of times.)"""
    if not key:
        return frozenset()
    norm = normalise_key(key)
    kinds = {kind for kind, regex in _KEY_RES.items() if regex.search(norm)}
    kinds.update(kind for kind, names in KEY_NAMES.items() if norm in names)
    if any(word in norm for word in data.NOT_CARD_WORDS):
        kinds.add("not_card")
    return frozenset(kinds)


def kv_hits(text: str, pos: int, endpos: int) -> Iterator[Hit]:
    """Values after a field name in ``text[pos:endpos]`` (`cvv=123`, `氏名：山田 太郎`), validated and masked by
    their field kind."""
    raw = text[pos:endpos]
    window = raw.lower()
    if not _KV_GUARD_RE.search(window):
        return
    if raw.isascii():  # lower() kept every offset, so the case-sensitive search on the copy is exact
        keys = ((m.lastgroup or "", pos + m.end()) for m in _KV_KEYWORD_LOWER_RE.finditer(window))
    else:
        keys = ((m.lastgroup or "", m.end()) for m in _KV_KEYWORD_RE.finditer(text, pos, endpos))
    for kind, key_end in keys:
        m = _kv_value_re(kind).match(text, key_end, endpos)
        if m is None:
            continue
        field_kind = FIELD_KINDS[kind]
        judge = field_kind.text_confidence
        confidence = TEXT_CONFIDENCE if judge is None else judge(text, key_end, m, kind)
        if confidence is None or field_kind.validate is None:
            continue
        found = field_kind.validate(m["v"], confidence)
        if found:
            yield as_hit(found, m.start("v"), m.end("v"))
