"""Card data: card numbers (every brand's prefixes and lengths, Luhn), magnetic-stripe track data, security
codes and expiry dates (with context), and the holder and expiry beside a card number on its line or record.

Brands and lengths are one table (``cardbrands.py``); adding a brand is one row there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mamori.discovery.engine import data
from mamori.discovery.engine.cardbrands import MAX_CARD_LENGTH, MIN_FREE_TEXT_LENGTH
from mamori.discovery.engine.checks import ascii_digits, card_brand, card_brand_row, luhn_ok, nfkc, parse_expiry
from mamori.discovery.engine.families.base import (
    SEP,
    D,
    FieldKind,
    Found,
    Hit,
    TypeSpec,
    line_of,
    normalise_key,
    text_before,
    trimmed,
    value_field,
)
from mamori.discovery.engine.masking import mask_card, mask_card_digits, mask_text
from mamori.discovery.engine.types import DataClass, Severity, TextUnit

FAMILY = "cards"

# --- context words and key names ---------------------------------------------------------------

SECURITY_CODE_WORDS: tuple[str, ...] = (
    "cvv2?(?:[_\\-]?(?:no|num|cd|code))?",  # also `cvv_no`, `cvc_cd` as PHP sessions and shop modules name them
    "cvc2?(?:[_\\-]?(?:no|num|cd|code))?",
    "cid",
    "csc",
    "cav2",
    "cvn",
    "security[ _\\-]?code",
    "sec[_\\-]?(?:code|cd)",
    "card[_\\-]?code",
    "verification[ _\\-]?(?:code|value)",
    "セキュリティコード",
    "セキュリティーコード",
    "セキュリティ番号",
)
EXPIRY_WORDS: tuple[str, ...] = (
    "exp",
    "expiry",
    "expires?",
    "expiration(?:[ _\\-]?date)?",
    "exp[_\\-]?(?:date|month|year|mm|yy|yyyy|ym)",
    "card[_\\-]?expire?(?:_date)?",
    "valid[ _\\-]?(?:thru|through)",
    "good[ _\\-]?thru",
    "yuko[_\\-]?kigen",
    "有効期限",
)
# Month or year of the expiry in a field of its own (exp_month=04, card_year=21).
EXPIRY_PART_WORDS: tuple[str, ...] = (
    # Each fragment starts with a literal: the `re` fallback then skips ahead quickly.
    "exp(?:ire|iry|iration)?[_\\-]?(?:month|year|mm|yy|yyyy)",
    "card[_\\-]?exp(?:ire|iry|iration)?[_\\-]?(?:month|year|mm|yy|yyyy)",
    "card[_\\-]?(?:month|year)",
)
CARD_NUMBER_KEYS: frozenset[str] = frozenset(
    {
        "card_no",
        "card_number",
        "card_num",
        "cardno",
        "cardnumber",
        "cc_number",
        "cc_num",
        "ccnum",
        "ccno",
        "credit_card",
        "credit_card_number",
        "creditcard",
        "pan",
        "カード番号",
        "クレジットカード番号",
    }
)

# --- shape detectors ---------------------------------------------------------------------------

_NEIGHBOUR = "[0-9０-９A-Za-zＡ-Ｚａ-ｚ_*#]"
# A run of digit groups joined by one repeated separator (URL-encoded `+` and `%20` too), or one group alone:
# ``card_hits`` finds the card numbers in it by their own grouping.
_DIGIT_RUN_RE = re.compile(rf"(?<![0-9０-９]){D}+(?:(?P<s>{SEP}|\+|%20){D}+(?:(?P=s){D}+)*)?")
# Group sizes of the usual card groupings, longest first: 4-4-4-4 with a short fifth group (17-19 digits),
# 4-4-4-4, 4-4-4 and a short last group (13-15 digits), 4-6-5 (Amex) and 4-6-4 (Diners).
_GROUPINGS: tuple[tuple[int, ...], ...] = (
    (4, 4, 4, 4, 3),
    (4, 4, 4, 4, 2),
    (4, 4, 4, 4, 1),
    (4, 4, 4, 4),
    (4, 4, 4, 3),
    (4, 4, 4, 2),
    (4, 4, 4, 1),
    (4, 6, 5),
    (4, 6, 4),
)
# The discretionary data of a track (after the name and expiry of track 1, after `PAN=` of track 2) holds
# digits that are never a card number of their own, whatever the track's format code.
_IN_TRACK_RE = re.compile(r"(?:\^[^\^\n]{2,26}\^[0-9]{4}|[0-9]{12,19}=)[^?\n;%]{0,80}$")
_TRACK2_RE = re.compile(r"(?<![0-9]);?(?P<pan>[0-9]{13,19})=(?P<exp>[0-9]{4})(?P<svc>[0-9]{3})[0-9]*\??")
# Track 1 with any format code: `%B` (bank cards) is the usual one, but `%A`-`%Z` occur (`%M` ...).
_TRACK1_RE = re.compile(
    r"(?:%(?P<fc>[A-Z])|B)(?P<pan>[0-9]{13,19})\^(?P<nm>[^\^\n]{2,26})\^(?P<exp>[0-9]{4})(?P<svc>[0-9]{3})[^\s?]*\??"
)

_NEIGHBOUR_RE = re.compile(_NEIGHBOUR)

# An upper-case name standing alone in a delimited field (CSV, TSV, key=value, quoted JSON).
_UPPER_NAME_RE = re.compile(r"""(?<![^,\t|;"'=\n])[A-Z]{2,15}(?: [A-Z]{2,15}){1,2}(?=[,\t|;"'&\n]|$)""")

_EXPIRY_SHAPE_RE = re.compile(r"(?<![0-9/])(?:0[1-9]|1[0-2])/(?:[0-9]{2}|20[0-9]{2})(?![0-9/])")

# Quick tests that a stretch of text cannot hold a match of the patterns above (each match contains a match of its
# hint). `re` tries a pattern that opens with a look-behind at every position; a hint opens with one literal
# character, which it skips ahead to in a tight loop, and looks behind only there.
_DIGIT_EQUALS_HINT = re.compile(r"=(?<=[0-9]=)")  # track 2 (`PAN=`) in _IN_TRACK_RE
_UPPER_NAME_HINT = re.compile(r" (?<=[A-Z] )[A-Z]")
_EXPIRY_SHAPE_HINT = re.compile(r"/(?<=[01][0-9]/)[0-9]")


# A stretch of the characters a digit run is made of (digits, separators, `+`, `%20`). A run never crosses the
# end of a stretch, and one holding a card number has at least 13 characters: ``card_hits`` looks only at
# stretches that long, so the short digit runs of timestamps, counters and IDs cost no Python call.
_RUN_STRETCH_RE = re.compile(f"[0-9０-９{SEP[1:-1]}+%]{{{MIN_FREE_TEXT_LENGTH},}}")


def card_hits(text: str, pos: int, endpos: int, kinds: frozenset[str]) -> Iterator[Hit]:
    for stretch in _RUN_STRETCH_RE.finditer(text, pos, endpos):
        for m in _DIGIT_RUN_RE.finditer(text, stretch.start(), stretch.end()):
            if m["s"] is None:
                hit = _contiguous_card(text, m.start(), m.end(), kinds)
                if hit is not None:
                    yield hit
            else:
                yield from _grouped_cards(text, m, kinds)


def _contiguous_card(text: str, start: int, end: int, kinds: frozenset[str]) -> Hit | None:
    """A number without separators stands alone: a letter or `_*#` touching it makes it part of an ID."""
    if not MIN_FREE_TEXT_LENGTH <= end - start <= MAX_CARD_LENGTH:
        return None
    if (start > 0 and _NEIGHBOUR_RE.match(text, start - 1)) or _NEIGHBOUR_RE.match(text, end):
        return None
    return _card_hit(text, start, text[start:end], kinds)


def _grouped_cards(text: str, run: re.Match[str], kinds: frozenset[str]) -> Iterator[Hit]:
    """Card numbers in a run of digit groups, found by their own grouping (4-4-4-4, 4-6-5, ...).

    A run may hold a card next to other numbers (`qty 3 4012 8888 8888 1881`) or two cards in a row. A
    card's grouping is unambiguous unless a four-digit group that is not part of another card touches it
    (`4111 1111 1111 1111 2222` may be a longer number); a group followed by `/` or `.` is a date or a
    decimal (`1881 12/27`), not part of the run. Letters may touch a grouped number: its grouping says
    enough (`4916-4629-1281-8132Test`).
    """
    groups = _groups(run.start(), run.group(), run["s"])
    while groups and groups[-1][1] < len(text) and text[groups[-1][1]] in "/／.":
        groups.pop()
    sizes = [end - start for start, end in groups]
    found: dict[int, tuple[int, Hit]] = {}  # first group -> (group after the card, hit)

    def card_at(i: int) -> tuple[int, Hit] | None:
        if i not in found:
            found[i] = _card_at(text, groups, sizes, i, kinds)  # type: ignore[assignment]
        return found[i]

    previous_card = False
    i = 0
    while i < len(groups):
        candidate = card_at(i)
        if candidate is not None:
            after, hit = candidate
            before_ok = i == 0 or previous_card or sizes[i - 1] != 4
            after_ok = after == len(groups) or sizes[after] != 4 or card_at(after) is not None
            if before_ok and after_ok:
                yield hit
                previous_card = True
                i = after
                continue
        previous_card = False
        i += 1


def _groups(start: int, raw: str, sep: str) -> list[tuple[int, int]]:
    """(start, end) of each group of digits in ``raw`` (found at ``start``), split at ``sep`` (`%20` holds digits)."""
    groups = []
    for part in raw.split(sep):
        groups.append((start, start + len(part)))
        start += len(part) + len(sep)
    return groups


def _card_at(
    text: str, groups: list[tuple[int, int]], sizes: list[int], i: int, kinds: frozenset[str]
) -> tuple[int, Hit] | None:
    """(index after its last group, hit) of the card whose grouping starts at group ``i``, if any."""
    if MIN_FREE_TEXT_LENGTH <= sizes[i] <= MAX_CARD_LENGTH:  # a contiguous number among other groups
        hit = _card_hit(text, groups[i][0], text[groups[i][0] : groups[i][1]], kinds)
        return None if hit is None else (i + 1, hit)
    for grouping in _GROUPINGS:
        j = i + len(grouping)
        if tuple(sizes[i:j]) == grouping:
            start, end = groups[i][0], groups[j - 1][1]
            hit = _card_hit(text, start, text[start:end], kinds)
            if hit is not None:
                return j, hit
    return None


def _fraction(text: str, start: int) -> bool:
    """Digits right after `<digit>.` are the fraction of a decimal number (`width:78.01568665300367%`)."""
    return start >= 2 and text[start - 1] == "." and text[start - 2].isdigit()


def _any_word(words: tuple[str, ...]) -> re.Pattern[str]:
    """One search for ``any(word in text for word in words)``."""
    return re.compile("|".join(re.escape(word) for word in words))


_NOT_CARD_WORDS_RE = _any_word(data.NOT_CARD_WORDS)
_CARD_CONTEXT_WORDS_RE = _any_word(data.CARD_CONTEXT_WORDS)
_OTHER_IDENTIFIER_WORDS_RE = _any_word(data.OTHER_IDENTIFIER_WORDS)


def _card_hit(text: str, start: int, raw: str, kinds: frozenset[str]) -> Hit | None:
    end = start + len(raw)
    digits = ascii_digits(raw.replace("%20", " "))
    if not MIN_FREE_TEXT_LENGTH <= len(digits) <= MAX_CARD_LENGTH or not luhn_ok(digits):
        return None
    row = card_brand_row(digits)
    if row is None:
        return None
    if len(digits) == 13 and digits.startswith(data.JAN_PREFIXES):
        return None
    if _fraction(text, start) or _in_track(text, start):
        return None
    before = text_before(text, start)
    if "not_card" in kinds or _NOT_CARD_WORDS_RE.search(before):
        return None
    confidence = 0.6 if len(digits) == 13 else (0.95 if raw != digits else 0.9)
    if row.broad:  # only a catch-all Maestro range explains it
        confidence = min(confidence, 0.8)
    if "credit_card_number" in kinds or _CARD_CONTEXT_WORDS_RE.search(before):
        confidence = 0.99
    if "credit_card_number" not in kinds and _example_of_other_identifier(text, start, before):
        confidence = min(confidence, EXAMPLE_CONFIDENCE)
    return Hit("credit_card_number", start, end, confidence, mask_card_digits(digits), digits)


# A card-shaped number that is an example of another identifier: below what the table shows (it stays in JSON).
EXAMPLE_CONFIDENCE = 0.45
# A line of a Python doctest: `>>> siret.validate('73282932000074')`, or a continuation line that is a list of test
# values (`... 38446899700034`, `... RS35 2600 0560 ...`, `... МК4027002133725`: at most a short code without
# lower-case letters before the number; `... and then 4111...` is prose). Validator libraries (python-stdnum ...)
# hold thousands of such numbers, and French SIRET/SIREN, South African and Macedonian tax numbers pass Luhn with a
# card brand's prefix and length.
_DOCTEST_LINE_RE = re.compile(r"[ \t]*(?:>>>[ \t].*|\.\.\.[ \t]+(?:[^\sa-z]{1,6}[ \t]*)?)")


def _example_of_other_identifier(text: str, start: int, before: str) -> bool:
    """Whether the number at ``start`` sits on a doctest line or right after a word naming another identifier
    (SIRET, SIREN, IBAN: ``data.OTHER_IDENTIFIER_WORDS``)."""
    if _OTHER_IDENTIFIER_WORDS_RE.search(before):
        return True
    return _DOCTEST_LINE_RE.fullmatch(text, text.rfind("\n", 0, start) + 1, start) is not None


def _in_track(text: str, start: int) -> bool:
    """Whether the number at ``start`` lies in the discretionary data of a track."""
    low = max(0, start - 120)
    if text.find("^", low, start) < 0 and _DIGIT_EQUALS_HINT.search(text, low, start) is None:
        return False
    return _IN_TRACK_RE.search(text, low, start) is not None


def track_hits(text: str, pos: int, endpos: int) -> Iterator[Hit]:
    for regex in (_TRACK1_RE, _TRACK2_RE):
        for m in regex.finditer(text, pos, endpos):
            pan = m["pan"]
            month = int(m["exp"][2:])
            if card_brand(pan) is None or not luhn_ok(pan) or not 1 <= month <= 12:
                continue
            track1 = regex is _TRACK1_RE
            masked = f"%{m['fc'] or 'B'}{mask_card(pan)}^***^****" if track1 else f";{mask_card(pan)}=****"
            yield Hit("card_track_data", m.start(), m.end(), 0.99, masked, pan)


def same_line_card_context(text: str, cards: list[Hit]) -> Iterator[Hit]:
    """On a line holding a card number, an MM/YY value is its expiry and an upper-case name its holder."""
    for card in cards:
        line_start, line_end = line_of(text, card.start, card.end)
        line_end = min(line_end, card.end + 300)
        line_start = max(line_start, card.start - 300)
        if _EXPIRY_SHAPE_HINT.search(text, line_start, line_end):
            for m in _EXPIRY_SHAPE_RE.finditer(text, line_start, line_end):
                yield Hit("card_expiry", m.start(), m.end(), 0.7, "**/**", m.group())
        if not _UPPER_NAME_HINT.search(text, line_start, line_end):
            continue
        for m in _UPPER_NAME_RE.finditer(text, line_start, line_end):
            words = m.group().split()
            if any(word in data.NOT_NAME_WORDS for word in words):
                continue
            yield Hit("person_name", m.start(), m.end(), 0.6, mask_text(m.group()), m.group())


def _short_card_field(key: str, value: str) -> Found | None:
    """A card number shorter than free text allows (12-digit Maestro), in a field named for card numbers;
    longer ones are found by the prefilter like any other."""
    digits = ascii_digits(value)
    if len(digits) >= MIN_FREE_TEXT_LENGTH or digits != ascii_digits(nfkc(value).replace(" ", "")):
        return None
    if nfkc(value).strip() != digits or not luhn_ok(digits) or card_brand(digits) is None:
        return None
    return "credit_card_number", mask_card(digits), digits, 0.9


def expiry_field(key: str, value: str) -> Found | None:
    norm_key = normalise_key(key)
    digits = ascii_digits(value)
    if "month" in norm_key or norm_key.endswith("_mm"):
        if digits == value and digits and 1 <= int(digits) <= 12:
            return "card_expiry", "**", digits.zfill(2), 0.85
        return None
    if "year" in norm_key or norm_key.endswith(("_yy", "_yyyy")):
        if digits == value and len(digits) in (2, 4):
            return "card_expiry", "*" * len(digits), digits[-2:], 0.85
        return None
    return expiry_value(value, 0.9)


def record_card_context(unit: TextUnit) -> list[Hit]:
    """A field next to a card number in the same record: short code, expiry or upper-case name."""
    value, offset = trimmed(unit.text)
    key = normalise_key(unit.key or "")
    digits = ascii_digits(value)
    if len(digits) in (3, 4) and digits == nfkc(value) and re.search(r"code|cd|sec|cv|cid|verif|check|csc", key):
        return [Hit("card_security_code", offset, offset + len(value), 0.8, "*" * len(digits), digits)]
    if _EXPIRY_SHAPE_RE.fullmatch(value):
        return [Hit("card_expiry", offset, offset + len(value), 0.8, "**/**", value)]
    if _UPPER_NAME_RE.fullmatch(value) and not any(w in data.NOT_NAME_WORDS for w in value.split()):
        return [Hit("person_name", offset, offset + len(value), 0.75, mask_text(value), value)]
    return []


# --- validate and mask --------------------------------------------------------------------------


def security_code_value(value: str, confidence: float) -> Found | None:
    digits = ascii_digits(value)
    if len(digits) in (3, 4) and digits == ascii_digits(nfkc(value).strip()):
        return "card_security_code", "*" * len(digits), digits, confidence
    return None


def expiry_value(value: str, confidence: float) -> Found | None:
    parsed = parse_expiry(value)
    if parsed:
        return "card_expiry", re.sub("[0-9０-９]", "*", value.strip()), f"{parsed[0]:02d}/{parsed[1]:02d}", confidence
    return None


def expiry_part_value(value: str, confidence: float) -> Found | None:
    digits = ascii_digits(value)
    if digits == value and (len(digits) in (2, 4) or 1 <= int(digits or "0") <= 12):
        return "card_expiry", "*" * len(digits), digits, confidence
    return None


# --- specs ----------------------------------------------------------------------------------------

SPECS: tuple[TypeSpec, ...] = (
    TypeSpec(
        "credit_card_number",
        Severity.CRITICAL,
        DataClass.PROHIBITED,
        "Full payment card number (PAN)",
        FAMILY,
        column_hint=r"(credit_?)?card_?(no|num|number|bango)|cardnumber|creditcard(_?no)?|cc_?(no|num|number)|pan",
        fields=(FieldKind("credit_card_number", key_names=CARD_NUMBER_KEYS, field=_short_card_field),),
    ),
    TypeSpec(
        "card_security_code",
        Severity.CRITICAL,
        DataClass.PROHIBITED,
        "Card security code (CVV2/CVC2/CID)",
        FAMILY,
        never_store=True,
        column_hint=r"cvv2?|cvc2?|cid|security_?code|sec_?(code|cd)|seccode|card_?code|card_?cvv",
        fields=(
            FieldKind(
                "card_security_code",
                words=SECURITY_CODE_WORDS,
                value=rf"(?P<v>{D}{{3,4}})(?![0-9０-９A-Za-z/])",
                validate=security_code_value,
                field=value_field(security_code_value, 0.95),
            ),
        ),
    ),
    TypeSpec(
        "card_track_data",
        Severity.CRITICAL,
        DataClass.PROHIBITED,
        "Magnetic stripe track data",
        FAMILY,
        never_store=True,
    ),
    TypeSpec(
        "card_expiry",
        Severity.HIGH,
        DataClass.PERSONAL,
        "Card expiry date",
        FAMILY,
        column_hint=r"(card_?)?exp(ire|iry|iration)?(_?(date|month|year|mm|yy|ym))?|card_?expire?|yuko_?kigen|kigen",
        # The part kind first: `exp_month` is a month of its own, not an `exp` field.
        fields=(
            FieldKind(
                "card_expiry_part",
                words=EXPIRY_PART_WORDS,
                value=rf"(?P<v>{D}{{1,4}})(?!{D})",
                validate=expiry_part_value,
                field=expiry_field,
            ),
            FieldKind(
                "card_expiry",
                words=EXPIRY_WORDS,
                value=(
                    rf"(?P<v>{D}{{1,2}} ?(?:[/／\-－.]|%2[Ff]) ?{D}{{2,4}}|{D}{{4}}[/／\-－.年]{D}{{1,2}}月?"
                    rf"|{D}{{2}}年{D}{{1,2}}月|{D}{{4}})(?!{D})"
                ),
                validate=expiry_value,
                field=expiry_field,
            ),
        ),
    ),
)
