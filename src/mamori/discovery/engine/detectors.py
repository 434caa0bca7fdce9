"""Exact detectors: they run on the windows the prefilter points at and on structured fields.

A detector sees the raw value only inside this module. What leaves it is a :class:`Finding` with
the masked value and a keyed fingerprint.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers

from mamori.discovery.engine import data, native, precision
from mamori.discovery.engine.cardbrands import MAX_CARD_LENGTH, MIN_FREE_TEXT_LENGTH
from mamori.discovery.engine.checks import (
    ascii_digits,
    card_brand,
    card_brand_row,
    licence_ok,
    luhn_ok,
    my_number_ok,
    nfkc,
    parse_expiry,
)
from mamori.discovery.engine.masking import (
    PanFingerprinter,
    fingerprint,
    mask_card,
    mask_digits,
    mask_email,
    mask_phone,
    mask_text,
)
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
from mamori.discovery.engine.types import AsciiChunk, DataClass, FileProblem, Finding, Severity, TextUnit


@dataclass(frozen=True, slots=True)
class TypeInfo:
    severity: Severity
    data_class: DataClass
    description: str


TYPES: dict[str, TypeInfo] = {
    "credit_card_number": TypeInfo(Severity.CRITICAL, DataClass.PROHIBITED, "Full payment card number (PAN)"),
    "card_security_code": TypeInfo(Severity.CRITICAL, DataClass.PROHIBITED, "Card security code (CVV2/CVC2/CID)"),
    "card_track_data": TypeInfo(Severity.CRITICAL, DataClass.PROHIBITED, "Magnetic stripe track data"),
    "card_expiry": TypeInfo(Severity.HIGH, DataClass.PERSONAL, "Card expiry date"),
    "my_number": TypeInfo(Severity.HIGH, DataClass.PERSONAL, "Individual Number (個人番号)"),
    "bank_account": TypeInfo(Severity.MEDIUM, DataClass.PERSONAL, "Bank account number"),
    "drivers_license": TypeInfo(Severity.MEDIUM, DataClass.PERSONAL, "Driving licence number"),
    "passport_number": TypeInfo(Severity.MEDIUM, DataClass.PERSONAL, "Passport number"),
    "address": TypeInfo(Severity.MEDIUM, DataClass.PERSONAL, "Postal address"),
    "phone_number": TypeInfo(Severity.LOW, DataClass.PERSONAL, "Phone number"),
    "email_address": TypeInfo(Severity.LOW, DataClass.PERSONAL, "E-mail address"),
    "postal_code": TypeInfo(Severity.LOW, DataClass.PERSONAL, "Postal code"),
    "person_name": TypeInfo(Severity.LOW, DataClass.PERSONAL, "Person's name"),
}

# Characters before and after a prefilter hit (a match end) that the exact detectors look at: room
# for an e-mail's local part or a field name before it, and a value after a field name.
_BEFORE, _AFTER = 80, 100
# Characters beyond a window that its detectors may read: up to 300 either side of a card number for its
# expiry and holder on the same line (``_same_line_card_context``), a few for look-behinds and look-aheads.
_MARGIN = 512
_NO_KINDS: frozenset[str] = frozenset()
_TRACK2_HINT = re.compile(r"[0-9]=[0-9]")
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

_D = "[0-9０-９]"
_SEP = "[ \\-－　‐‑‒–—―−ー]"
_NEIGHBOUR = "[0-9０-９A-Za-zＡ-Ｚａ-ｚ_*#]"
_GS = "(?:[ \\-－　‐‑‒–—―−ー()（）])"
_KANJI = "\u4e00-\u9fff々"
_KANA = "ぁ-んァ-ヶー"

# A run of digit groups joined by one repeated separator (URL-encoded `+` and `%20` too), or one group alone:
# ``_card_hits`` finds the card numbers in it by their own grouping.
_DIGIT_RUN_RE = re.compile(rf"(?<![0-9０-９]){_D}+(?:(?P<s>{_SEP}|\+|%20){_D}+(?:(?P=s){_D}+)*)?")
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
_PHONE_JP_RE = re.compile(
    rf"(?<![0-9０-９A-Za-z_+\-－.,/:])[(（]?[0０]{_D}{{1,4}}{_GS}{{0,2}}{_D}{{1,4}}{_GS}{{0,2}}{_D}{{3,4}}"
    rf"(?![0-9０-９A-Za-z_\-－])"
)
_PHONE_INTL_RE = re.compile(
    rf"(?<![0-9A-Za-z_])\+[1-9]{_D}{{0,2}}(?:{_GS}{{0,2}}{_D}{{1,4}}){{2,5}}(?![0-9０-９A-Za-z_])"
)
_EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,24}(?![A-Za-z0-9\-])"
)
_POSTAL_MARK_RE = re.compile(rf"〒[ 　]?(?P<v>{_D}{{3}}[-－ー‐−]?{_D}{{4}})(?!{_D})")
_ADDRESS_RE = re.compile(
    "(?P<head>(?:{prefs})(?:[{k}{kana}]{{1,8}}?(?:市|区|町|村|郡))?|(?:{cities}))"
    "(?P<rest>[{k}{kana}0-9０-９\\-－−‐ー]{{0,30}})".format(
        prefs="|".join(data.PREFECTURES), cities="|".join(data.DESIGNATED_CITIES), k=_KANJI, kana=_KANA
    )
)
_BLOCK_NUMBER_RE = re.compile(r"[0-9０-９]|丁目|番地|番|号")
_HONORIFIC_KANJI_RE = re.compile(
    rf"(?<![{_KANJI}])(?P<v>[{_KANJI}]{{1,4}}[ 　]?[{_KANJI}]{{1,4}})[ 　]?(?P<h>様|殿|さん)"
)
_HONORIFIC_KANA_RE = re.compile(r"(?<![ァ-ヶー])(?P<v>[ァ-ヶー]{2,8}(?:[ 　・][ァ-ヶー]{2,8})?)[ 　]?(?P<h>様|殿)")
# An upper-case name standing alone in a delimited field (CSV, TSV, key=value, quoted JSON).
_UPPER_NAME_RE = re.compile(r"""(?<![^,\t|;"'=\n])[A-Z]{2,15}(?: [A-Z]{2,15}){1,2}(?=[,\t|;"'&\n]|$)""")
# A mail header display name: `From: 佐藤 愛 <ai.sato@example.jp>`.
_DISPLAY_NAME_RE = re.compile(
    rf"""(?im)^(?:from|to|cc|reply-to|差出人|宛先):[ \t]*"?"""
    rf"""(?P<v>[A-Za-z{_KANJI}{_KANA} .'\-　]{{2,30}}?)"?[ \t]*<[^<>@\s]+@"""
)
_EXPIRY_SHAPE_RE = re.compile(r"(?<![0-9/])(?:0[1-9]|1[0-2])/(?:[0-9]{2}|20[0-9]{2})(?![0-9/])")

# Separator between a field name and its value in text: `k=v`, `"k": "v"`, `k：v`, PHP `"k";s:3:"v"`.
_KV_SEP = (
    r"""[^\S\n]*(?:[(（][^)）\n]{0,12}[)）])?[^\S\n]*(?:\\?["'\]]|%5[Dd])?[^\S\n]*"""
    r"""(?:[:：=＝]|=>|->|は|;s:\d+:)?[^\S\n]*\\?["'\[「]?[^\S\n]*"""
)
_NAME_VALUE = (
    rf"(?P<v>[{_KANJI}{_KANA}]{{1,10}}(?:[ 　][{_KANJI}{_KANA}]{{1,10}})?"
    r"|[A-Za-z][A-Za-z'\-]{1,20}(?:[ ,]{1,2}[A-Za-z][A-Za-z'\-]{1,20}){0,2})"
)
# Order matters: the first keyword group that matches a field name decides the value expected.
_KV_VALUES: dict[str, str] = {
    "card_security_code": rf"(?P<v>{_D}{{3,4}})(?![0-9０-９A-Za-z/])",
    "card_expiry_part": rf"(?P<v>{_D}{{1,4}})(?!{_D})",
    "card_expiry": (
        rf"(?P<v>{_D}{{1,2}} ?(?:[/／\-－.]|%2[Ff]) ?{_D}{{2,4}}|{_D}{{4}}[/／\-－.年]{_D}{{1,2}}月?"
        rf"|{_D}{{2}}年{_D}{{1,2}}月|{_D}{{4}})(?!{_D})"
    ),
    "my_number": rf"(?P<v>{_D}{{4}}{_SEP}?{_D}{{4}}{_SEP}?{_D}{{4}})(?!{_D})",
    "postal_code": rf"(?P<v>{_D}{{3}}[-－ー‐−]?{_D}{{4}})(?!{_D})",
    "bank_account": rf"(?P<v>(?:(?:普通|当座|普|当)[^\S\n]*)?{_D}[0-9０-９\-－ ]{{5,20}}{_D})(?!{_D})",
    "drivers_license": rf"(?P<v>{_D}{{2}}[ \-]?{_D}{{2}}[ \-]?{_D}{{6}}[ \-]?{_D}[ \-]?{_D})(?!{_D})",
    "passport_number": rf"(?P<v>[A-Za-z]{{2}} ?{_D}{{7}})(?![0-9A-Za-z])",
    "person_name": _NAME_VALUE,
    "card_holder": _NAME_VALUE,
}


def _kv_keyword_regex(lowered: bool = False) -> re.Pattern[str]:
    """All field names in one pass; the group that matched says which value to expect after it.

    ``lowered``: the same search, case-sensitive, for text already lower-cased — `re` runs an
    alternation several times faster without IGNORECASE, and ASCII logs are the bulk of a scan.
    """
    groups = "|".join(
        f"(?P<{kind}>{'|'.join(f.lower() if lowered else f for f in data.KEYWORDS[kind])})" for kind in _KV_VALUES
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


_KV_GUARDS: tuple[str, ...] = tuple(sorted({literal_guard(f) for kind in _KV_VALUES for f in data.KEYWORDS[kind]}))
# One alternation of the guards: a single pass in C instead of a Python loop over every guard.
_KV_GUARD_RE = re.compile("|".join(re.escape(guard) for guard in sorted(_KV_GUARDS, key=len, reverse=True)))
_KV_VALUE_RES: dict[str, re.Pattern[str]] = {
    kind: re.compile(_KV_SEP + value, re.IGNORECASE) for kind, value in _KV_VALUES.items()
}
_KEY_RES: dict[str, re.Pattern[str]] = {
    kind: re.compile(rf"(?<![a-z0-9])(?:{'|'.join(words)})(?![a-z0-9])", re.IGNORECASE)
    for kind, words in data.KEYWORDS.items()
}
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_KEY_JUNK = re.compile(r"[^0-9a-z\u3040-\u30ff\u4e00-\u9fff]+")


def normalise_key(key: str) -> str:
    """`cardNumber`, `Card-Number` and `CARD_NUMBER` all become `card_number`."""
    text = _CAMEL.sub("_", nfkc(key).strip())
    return _KEY_JUNK.sub("_", text.lower()).strip("_")


@lru_cache(maxsize=8192)
def key_kinds(key: str | None) -> frozenset[str]:
    """What a field name says about its value: detector kinds from the keyword and key-name tables.
    (Cached: structured files repeat a few keys millions of times.)"""
    if not key:
        return frozenset()
    norm = normalise_key(key)
    kinds = {kind for kind, regex in _KEY_RES.items() if regex.search(norm)}
    kinds.update(kind for kind, names in data.KEY_NAMES.items() if norm in names)
    if any(word in norm for word in data.NOT_CARD_WORDS):
        kinds.add("not_card")
    return frozenset(kinds)


@dataclass(slots=True)
class Hit:
    """A match inside this module; ``norm`` (the normalised raw value) never leaves it."""

    type: str
    start: int
    end: int
    confidence: float
    masked: str
    norm: str


def _as_hit(found: tuple[str, str, str, float], start: int, end: int) -> Hit:
    """A hit over ``start:end`` from a (type, masked, normalised, confidence) judgement of the value there."""
    kind, masked, norm, confidence = found
    return Hit(kind, start, end, confidence, masked, norm)


def _moved(hit: Hit, start: int, end: int) -> Hit:
    return Hit(hit.type, start, end, hit.confidence, hit.masked, hit.norm)


def _trimmed(text: str) -> tuple[str, int]:
    """A field's value without surrounding white space, and where it starts."""
    value = text.strip()
    return value, text.find(value)


def _before(text: str, start: int, size: int = 60) -> str:
    return text[max(0, start - size) : start].lower()


def _line_of(text: str, start: int, end: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return line_start, len(text) if line_end < 0 else line_end


# --- shape detectors (no context needed) ----------------------------------------------------


def _card_hits(text: str, pos: int, endpos: int, kinds: frozenset[str]) -> Iterator[Hit]:
    for m in _DIGIT_RUN_RE.finditer(text, pos, endpos):
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
    if _fraction(text, start) or _IN_TRACK_RE.search(text, max(0, start - 120), start):
        return None
    before = _before(text, start)
    if "not_card" in kinds or any(word in before for word in data.NOT_CARD_WORDS):
        return None
    confidence = 0.6 if len(digits) == 13 else (0.95 if raw != digits else 0.9)
    if row.broad:  # only a catch-all Maestro range explains it
        confidence = min(confidence, 0.8)
    if "credit_card_number" in kinds or any(word in before for word in data.CARD_CONTEXT_WORDS):
        confidence = 0.99
    return Hit("credit_card_number", start, end, confidence, mask_card(digits), digits)


def _track_hits(text: str, pos: int, endpos: int) -> Iterator[Hit]:
    for regex in (_TRACK1_RE, _TRACK2_RE):
        for m in regex.finditer(text, pos, endpos):
            pan = m["pan"]
            month = int(m["exp"][2:])
            if card_brand(pan) is None or not luhn_ok(pan) or not 1 <= month <= 12:
                continue
            track1 = regex is _TRACK1_RE
            masked = f"%{m['fc'] or 'B'}{mask_card(pan)}^***^****" if track1 else f";{mask_card(pan)}=****"
            yield Hit("card_track_data", m.start(), m.end(), 0.99, masked, pan)


def _phone_hits(text: str, pos: int, endpos: int, kinds: frozenset[str]) -> Iterator[Hit]:
    for regex, region in ((_PHONE_JP_RE, "JP"), (_PHONE_INTL_RE, None)):
        for m in regex.finditer(text, pos, endpos):
            raw = m.group()
            value = nfkc(raw)
            digits = ascii_digits(value)
            if region == "JP" and len(digits) not in (10, 11):
                continue
            if region is None and not 8 <= len(digits) <= 15:
                continue
            e164 = _valid_phone(value, region)
            if e164 is None or precision.phone_placeholder(digits):
                continue
            confidence = _phone_confidence(text, m, digits, kinds)
            yield Hit("phone_number", m.start(), m.end(), confidence, mask_phone(raw), e164)


_PHONE_WORDS = ("tel", "phone", "電話", "携帯", "fax", "ファックス", "連絡先")


def _phone_confidence(text: str, m: re.Match[str], digits: str, kinds: frozenset[str]) -> float:
    """Context makes a phone number: a phone field or word says so (0.95); a number written with separators
    the way people write them (03-1234-5678) is likely (0.85); ten or eleven bare digits without context are
    as often an ID, a tax number or a doctest value (0.35, hidden by default); an example-like counting run
    (1234-5678) stays below what the table shows unless a phone field holds it."""
    raw = m.group()
    separated = digits != nfkc(raw).lstrip("+")
    context = "phone_number" in kinds or any(w in _before(text, m.start(), 30) for w in _PHONE_WORDS)
    confidence = 0.95 if context else (0.85 if separated else 0.35)
    if precision.phone_example_like(digits):
        confidence = min(confidence, 0.45)
    return confidence


@lru_cache(maxsize=65536)
def _valid_phone(value: str, region: str | None) -> str | None:
    """The E.164 form of a valid phone number, else None (cached: phonenumbers' parse is slow, and the
    same customers' numbers recur throughout a shop's files)."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _email_hits(text: str, pos: int, endpos: int) -> Iterator[Hit]:
    for m in _EMAIL_RE.finditer(text, pos, endpos):
        raw = m.group()
        if raw.rsplit(".", 1)[-1].lower() in data.NOT_EMAIL_TLDS or not precision.email_domain_ok(raw):
            continue  # `icon@2x.png`, `t@models.permalink`, `x@host.local`
        if precision.email_in_blob(text, m.start(), m.end()) or precision.email_is_scp_remote(text, m.end()):
            continue
        yield Hit("email_address", m.start(), m.end(), 0.9, mask_email(raw), raw.lower())


def _display_name_hits(text: str, pos: int, endpos: int) -> Iterator[Hit]:
    for m in _DISPLAY_NAME_RE.finditer(text, pos, endpos):
        name = m["v"].strip()
        if _valid_name(name) and len(name.replace(" ", "")) >= 2:
            yield Hit("person_name", m.start("v"), m.start("v") + len(name), 0.8, mask_text(name), nfkc(name))


def _postal_mark_hits(text: str, pos: int, endpos: int) -> Iterator[Hit]:
    for m in _POSTAL_MARK_RE.finditer(text, pos, endpos):
        digits = ascii_digits(m["v"])
        yield Hit("postal_code", m.start("v"), m.end("v"), 0.95, mask_digits(m["v"], 3, 0), digits)


def _address_hits(text: str, pos: int, endpos: int, kinds: frozenset[str]) -> Iterator[Hit]:
    for m in _ADDRESS_RE.finditer(text, pos, endpos):
        head, rest = m["head"], m["rest"].rstrip("ー-－−‐")
        has_municipality = head.endswith(("市", "区", "町", "村", "郡"))
        has_block = bool(_BLOCK_NUMBER_RE.search(rest))
        if not has_municipality or not (has_block or "address" in kinds):
            continue
        confidence = 0.9 if "address" in kinds else (0.8 if has_block else 0.6)
        value = head + rest
        yield Hit("address", m.start(), m.start() + len(value), confidence, head + "***", nfkc(value))


def _honorific_hits(text: str, pos: int, endpos: int) -> Iterator[Hit]:
    for regex, confidence in ((_HONORIFIC_KANJI_RE, 0.7), (_HONORIFIC_KANA_RE, 0.65)):
        for m in regex.finditer(text, pos, endpos):
            name = m["v"].strip(" 　・")
            compact = name.replace(" ", "").replace("　", "")
            after = text[m.end() : m.end() + 1]
            if len(compact) < 2 or name[-1] in data.HONORIFIC_STOP_BEFORE:
                continue
            if (after and after in data.HONORIFIC_STOP_AFTER) or compact in data.KATAKANA_ROLE_WORDS:
                continue
            if precision.not_a_name(compact):  # `姓 名 様` in a mail template
                continue
            score = confidence - (0.15 if m["h"] == "さん" else 0.0)
            yield Hit("person_name", m.start("v"), m.end("v"), score, mask_text(name), nfkc(compact))


# --- context detectors (a field name or keyword is required) ---------------------------------


def _valid_name(value: str) -> bool:
    stripped = value.strip()
    return bool(stripped) and stripped.lower() not in data.NAME_PLACEHOLDERS and not stripped.isdigit()


def _context_value(kind: str, value: str, confidence: float) -> tuple[str, str, str, float] | None:
    """(type, masked, normalised, confidence) when ``value`` is what a ``kind`` field should hold."""
    digits = ascii_digits(value)
    if kind == "card_security_code":
        if len(digits) in (3, 4) and digits == ascii_digits(nfkc(value).strip()):
            return kind, "*" * len(digits), digits, confidence
    elif kind == "card_expiry":
        parsed = parse_expiry(value)
        if parsed:
            return kind, re.sub("[0-9０-９]", "*", value.strip()), f"{parsed[0]:02d}/{parsed[1]:02d}", confidence
    elif kind == "card_expiry_part":
        if digits == value and (len(digits) in (2, 4) or 1 <= int(digits or "0") <= 12):
            return "card_expiry", "*" * len(digits), digits, confidence
    elif kind == "my_number":
        if my_number_ok(digits):
            return kind, mask_digits(value, 0, 4), digits, confidence
    elif kind == "postal_code":
        if len(digits) == 7:
            return kind, mask_digits(value, 3, 0), digits, confidence
    elif kind == "bank_account":
        if 7 <= len(digits) <= 15:
            return kind, mask_digits(value, 0, 3), digits, confidence
    elif kind == "drivers_license":
        if licence_ok(digits):
            return kind, mask_digits(value, 2, 0), digits, confidence
    elif kind == "passport_number":
        norm = nfkc(value).replace(" ", "")
        if re.fullmatch(r"[A-Z]{2}[0-9]{7}", norm):
            return kind, norm[:2] + "*****" + norm[-2:], norm, confidence
    elif kind in ("person_name", "card_holder") and _valid_name(value):
        return "person_name", mask_text(value.strip()), nfkc(value.strip()), confidence
    return None


def _kv_hits(text: str, pos: int, endpos: int) -> Iterator[Hit]:
    raw = text[pos:endpos]
    window = raw.lower()
    if not _KV_GUARD_RE.search(window):
        return
    if raw.isascii():  # lower() kept every offset, so the case-sensitive search on the copy is exact
        keys = ((m.lastgroup or "", pos + m.end()) for m in _KV_KEYWORD_LOWER_RE.finditer(window))
    else:
        keys = ((m.lastgroup or "", m.end()) for m in _KV_KEYWORD_RE.finditer(text, pos, endpos))
    for kind, key_end in keys:
        m = _KV_VALUE_RES[kind].match(text, key_end, endpos)
        if m is None:
            continue
        if kind in ("person_name", "card_holder"):
            name_confidence = _text_name_confidence(text, key_end, m, kind)
            if name_confidence is None:
                continue
            found = _context_value(kind, m["v"], name_confidence)
        else:
            found = _context_value(kind, m["v"], 0.85)
        if found:
            yield _as_hit(found, m.start("v"), m.end("v"))


_NAME_SEPARATOR_RE = re.compile(r"[:：=＝>は]|;s:")
# After a name value: the end of the field (closing quote, delimiter, line end), an honorific, or white space
# and the next `key=` of a log line; never code punctuation (`self::X`, `name(`, `user.name`) or more words
# (`"Provider - Economy"`, `Emri i mbajtësit të kartës`).
_NAME_END_RE = re.compile(
    r"""(?:[ \t　]*(?:$|\n|\r)|["'」,;&|<)\]}/\\。、]|[ 　]?(?:様|殿|さん)|[ \t]+[A-Za-z_][\w.\-\[\]]*[=:])"""
)
_IDENTIFIER_TAIL_RE = re.compile(r"[A-Za-z0-9_\-.\[\]$]*$")


def _text_name_confidence(text: str, key_end: int, m: re.Match[str], kind: str) -> float | None:
    """Confidence of a name after a name keyword in free text, None when it is not one.

    A name in text needs an explicit separator after its keyword (`氏名：`, `"lastName": "`, `name01=`; not
    `last name is`), a key about a person (not `class_name2`), must end where a field ends (not
    `lastName: String,` or `first_name in providers`), and must look like a name (not a label in any
    language, a placeholder or a code word). A name-shaped word that nobody quoted after an ASCII keyword
    (`last_name: Prezime` in a translation file) is kept with low confidence."""
    value = m["v"]
    if not _NAME_SEPARATOR_RE.search(text, key_end, m.start("v")):
        return None
    key_start = _IDENTIFIER_TAIL_RE.search(text, max(0, key_end - 60), key_end)
    if key_start is not None and not precision.person_key(text[key_start.start() : key_end]):
        return None
    opening = text[m.start("v") - 1 : m.start("v")] if m.start("v") else ""
    closing = text[m.end("v") : m.end("v") + 1]
    if opening in ("'", '"') and closing != opening:
        return None
    if not _NAME_END_RE.match(text, m.end("v")):
        return None
    strength = precision.name_strength(value)
    if strength is None or strength == precision.WEAK:
        return None
    if kind == "card_holder":
        return 0.85
    if strength == precision.STRONG:
        return 0.8
    return 0.7 if opening in ("'", '"', "「") or not value.isascii() else 0.45


def _same_line_card_context(text: str, cards: list[Hit]) -> Iterator[Hit]:
    """On a line holding a card number, an MM/YY value is its expiry and an upper-case name its holder."""
    for card in cards:
        line_start, line_end = _line_of(text, card.start, card.end)
        line_end = min(line_end, card.end + 300)
        line_start = max(line_start, card.start - 300)
        for m in _EXPIRY_SHAPE_RE.finditer(text, line_start, line_end):
            yield Hit("card_expiry", m.start(), m.end(), 0.7, "**/**", m.group())
        for m in _UPPER_NAME_RE.finditer(text, line_start, line_end):
            words = m.group().split()
            if any(word in data.NOT_NAME_WORDS for word in words):
                continue
            yield Hit("person_name", m.start(), m.end(), 0.6, mask_text(m.group()), m.group())


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
            hits += _track_hits(text, pos, endpos)
        cards = list(_card_hits(text, pos, endpos, kinds))
        hits += cards
    if card_only:
        if families & KEYWORD:
            hits += [h for h in _kv_hits(text, pos, endpos) if h.type in CARD_TYPES]
        hits += _same_line_card_context(text, cards)
        return hits
    if families & PHONE:
        hits += _phone_hits(text, pos, endpos, kinds)
    if families & EMAIL and "@" in window:
        hits += _email_hits(text, pos, endpos)
        hits += _display_name_hits(text, pos, endpos)
    if families & JAPANESE and not window.isascii():
        if "〒" in window:
            hits += _postal_mark_hits(text, pos, endpos)
        if any(mark in window for mark in ("都", "道", "府", "県", "市")):
            hits += _address_hits(text, pos, endpos, kinds)
        if any(mark in window for mark in ("様", "殿", "さん")):
            hits += _honorific_hits(text, pos, endpos)
    if families & KEYWORD:
        hits += _kv_hits(text, pos, endpos)
    hits += _same_line_card_context(text, cards)
    return hits


def _field_hits(unit: TextUnit, kinds: frozenset[str]) -> list[Hit]:
    """A structured field whose name says what it holds (`cvv`, `氏名`, `zip` ...)."""
    value, offset = _trimmed(unit.text)
    if not value or len(value) > 200:
        return []
    hits: list[Hit] = []
    for kind in sorted(kinds):
        found = None
        if kind in ("card_security_code", "my_number", "postal_code", "bank_account"):
            found = _context_value(kind, value, 0.95)
        elif kind in ("drivers_license", "passport_number"):
            found = _context_value(kind, value, 0.9)
        elif kind in ("card_expiry", "card_expiry_part"):
            found = _expiry_field(unit.key or "", value)
        elif kind == "card_holder" or (kind == "person_name" and _name_field_ok(unit.key or "", value)):
            confidence = _field_name_confidence(unit.key or "", value, kind)
            found = None if confidence is None else _context_value("person_name", value, confidence)
        elif kind == "address":
            found = _address_field(value)
        elif kind == "credit_card_number":
            found = _short_card_field(value)
        if found:
            hits.append(_as_hit(found, offset, offset + len(value)))
    return hits


def _short_card_field(value: str) -> tuple[str, str, str, float] | None:
    """A card number shorter than free text allows (12-digit Maestro), in a field named for card numbers;
    longer ones are found by the prefilter like any other."""
    digits = ascii_digits(value)
    if len(digits) >= MIN_FREE_TEXT_LENGTH or digits != ascii_digits(nfkc(value).replace(" ", "")):
        return None
    if nfkc(value).strip() != digits or not luhn_ok(digits) or card_brand(digits) is None:
        return None
    return "credit_card_number", mask_card(digits), digits, 0.9


def _name_field_ok(key: str, value: str) -> bool:
    return not any(ch.isdigit() for ch in value) and "@" not in value and len(value) <= 60 and bool(key)


# Confidence of a name under a key that is only `name` (`name`, `author.name`, `hydra:member.name`): below what
# the table shows, unless another field of the same record holds personal data (``Detector._flush``).
GENERIC_NAME_CONFIDENCE = 0.45
_GENERIC_NAME_KEYS = frozenset({"name", "names", "display_name", "displayname", "title"})
# Types that, in another field of the same record, make a name under a generic key somebody's name.
_PERSONAL_EVIDENCE = frozenset(
    {"email_address", "phone_number", "address", "postal_code", "credit_card_number", "card_track_data", "my_number"}
)


def _generic_name_key(key: str) -> bool:
    """The last segment of a (dotted, JSON-pointer or namespaced) key is just `name`."""
    last = re.split(r"[./:\[\]]", key.strip("[]./:"))[-1] if key else ""
    return normalise_key(last) in _GENERIC_NAME_KEYS


def _field_name_confidence(key: str, value: str, kind: str) -> float | None:
    """Confidence of a name in a structured field, None when the value is not one.

    A key that says "person" (`name01`, `first_name`, 氏名, `card_holder`) takes any name-shaped value but
    no label, placeholder or code word (0.85; 0.45 for an all-lower-case word); a generic `name` key takes
    only a value that is clearly a person's name (a common family or given name, or 姓 名 with a space) —
    countries, prefectures, products and identifiers are no finding at all."""
    strength = precision.name_strength(value)
    if strength is None:
        return None
    if kind == "card_holder":
        return 0.9
    if not precision.person_key(normalise_key(key)):
        return None
    if _generic_name_key(key):
        return GENERIC_NAME_CONFIDENCE if strength == precision.STRONG else None
    return 0.45 if strength == precision.WEAK else 0.85


def _expiry_field(key: str, value: str) -> tuple[str, str, str, float] | None:
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
    return _context_value("card_expiry", value, 0.9)


def _address_field(value: str) -> tuple[str, str, str, float] | None:
    text = nfkc(value)
    head = next((p for p in (*data.PREFECTURES, *data.DESIGNATED_CITIES) if text.startswith(p)), "")
    if head or re.search(r"(市|区|町|村|郡).*[0-9]", text):
        return "address", (head or text[:1]) + "***", text, 0.9 if head else 0.7
    return None


CARD_TYPES = frozenset({"credit_card_number", "card_security_code", "card_expiry", "card_track_data"})


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
                hits.append(_moved(hit, hit.start + low, hit.end + low))
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
        per_family: dict[int, list[int]] = {family: [] for family in _EXTENTS}
        runs: list[int] = []
        for end, family in matches:
            if family == CARD_RUN:
                runs.append(end)
            else:
                per_family[family].append(end)
        candidates = native.card_run_candidates(data_bytes, runs, native.LENGTHS_TABLE)
        per_family[CARD] += [end for end in candidates if _card_brand_at(data_bytes, end)]
        if ascii_only:
            offset_of: dict[int, int] | None = None
        else:
            ends = sorted({end for found in per_family.values() for end in found})
            offset_of = dict(zip(ends, _char_offsets(data_bytes, ends), strict=True))
        # Windows are merged per family: in dense text, windows of all families merged into long stretches,
        # and one phone or keyword match then sent a whole stretch through that family's detectors.
        windows: list[tuple[int, int, int]] = []
        for family, found in per_family.items():
            before, after = _EXTENTS[family]
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
        for index, hit in _split_field_hits(record):
            per_unit[index].append(hit)
        if any(h.type in ("credit_card_number", "card_track_data") for hits in per_unit for h in hits):
            for unit, hits in zip(record, per_unit, strict=True):
                if not hits:
                    hits.extend(_record_card_context(unit))
        _name_record_evidence(per_unit)
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


# EC-CUBE 2 keeps a phone number in three fields (`tel01`-`tel03`, `order_fax01`-`03`) and a postal code in two
# (`zip01`, `zip02`); no part is the number on its own.
_SPLIT_FIELD = re.compile(r"(?P<stem>.*(?:tel|fax|zip))0?(?P<part>[123])")


@lru_cache(maxsize=8192)
def _split_part(key: str | None) -> tuple[str, int] | None:
    """(stem, part number) of a split field name such as `order_tel02`."""
    m = _SPLIT_FIELD.fullmatch(normalise_key((key or "").rsplit(".", 1)[-1]))
    return (m["stem"], int(m["part"])) if m else None


def _split_field_hits(record: list[TextUnit]) -> list[tuple[int, Hit]]:
    """(index of the first part's unit, hit covering its value) for each split number the record holds whole."""
    groups: dict[str, dict[int, int]] = {}
    for index, unit in enumerate(record):
        split = _split_part(unit.key)
        if split and unit.text.strip():
            groups.setdefault(split[0], {})[split[1]] = index
    hits: list[tuple[int, Hit]] = []
    for stem, parts in groups.items():
        wanted = (1, 2) if stem.endswith("zip") else (1, 2, 3)
        if not all(part in parts for part in wanted):
            continue
        value, start = _trimmed(record[parts[1]].text)
        joined = "-".join(record[parts[n]].text.strip() for n in wanted)
        if stem.endswith("zip"):
            found = _context_value("postal_code", joined, 0.9)
            if found:
                hits.append((parts[1], _as_hit(found, start, start + len(value))))
            continue
        for hit in _phone_hits(joined, 0, len(joined), frozenset({"phone_number"})):
            if (hit.start, hit.end) == (0, len(joined)):
                hits.append((parts[1], _moved(hit, start, start + len(value))))
    return hits


def _name_record_evidence(per_unit: list[list[Hit]]) -> None:
    """A name under a generic `name` key in a record that also holds an e-mail address, phone number,
    address or card is somebody's name: raise it to 0.8 (from ``GENERIC_NAME_CONFIDENCE``)."""
    weak = [
        (hits, i)
        for hits in per_unit
        for i, hit in enumerate(hits)
        if hit.type == "person_name" and hit.confidence == GENERIC_NAME_CONFIDENCE
    ]
    if weak and any(hit.type in _PERSONAL_EVIDENCE for hits in per_unit for hit in hits):
        for hits, i in weak:
            hits[i] = Hit("person_name", hits[i].start, hits[i].end, 0.8, hits[i].masked, hits[i].norm)


def _record_card_context(unit: TextUnit) -> list[Hit]:
    """A field next to a card number in the same record: short code, expiry or upper-case name."""
    value, offset = _trimmed(unit.text)
    key = normalise_key(unit.key or "")
    digits = ascii_digits(value)
    if len(digits) in (3, 4) and digits == nfkc(value) and re.search(r"code|cd|sec|cv|cid|verif|check|csc", key):
        return [Hit("card_security_code", offset, offset + len(value), 0.8, "*" * len(digits), digits)]
    if _EXPIRY_SHAPE_RE.fullmatch(value):
        return [Hit("card_expiry", offset, offset + len(value), 0.8, "**/**", value)]
    if _UPPER_NAME_RE.fullmatch(value) and not any(w in data.NOT_NAME_WORDS for w in value.split()):
        return [Hit("person_name", offset, offset + len(value), 0.75, mask_text(value), value)]
    return []


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
