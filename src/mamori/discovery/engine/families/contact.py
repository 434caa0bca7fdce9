"""Contact data: phone numbers (Japanese numbering plan and international, through ``phonenumbers``; EC-CUBE 2's
split `tel01`-`tel03` fields joined within a record) and e-mail addresses (a real top-level domain, never from
encoded blobs or Git remotes)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

import phonenumbers

from mamori.discovery.engine import data, precision
from mamori.discovery.engine.checks import ascii_digits, nfkc
from mamori.discovery.engine.families.base import (
    GS,
    D,
    FieldKind,
    Hit,
    TypeSpec,
    as_hit,
    moved,
    normalise_key,
    text_before,
    trimmed,
)
from mamori.discovery.engine.families.names_addresses import postal_code_value
from mamori.discovery.engine.masking import mask_email, mask_phone
from mamori.discovery.engine.types import DataClass, Severity, TextUnit

FAMILY = "contact"

PHONE_KEYS: frozenset[str] = frozenset(
    {"tel", "tel01", "tel02", "phone", "telephone", "phone_number", "tel_no", "mobile", "keitai", "電話番号"}
)
EMAIL_KEYS: frozenset[str] = frozenset({"email", "mail", "e_mail", "mail_address", "email_address", "メールアドレス"})

_PHONE_JP_RE = re.compile(
    rf"(?<![0-9０-９A-Za-z_+\-－.,/:])[(（]?[0０]{D}{{1,4}}{GS}{{0,2}}{D}{{1,4}}{GS}{{0,2}}{D}{{3,4}}"
    rf"(?![0-9０-９A-Za-z_\-－])"
)
_PHONE_INTL_RE = re.compile(rf"(?<![0-9A-Za-z_])\+[1-9]{D}{{0,2}}(?:{GS}{{0,2}}{D}{{1,4}}){{2,5}}(?![0-9０-９A-Za-z_])")
_EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,24}(?![A-Za-z0-9\-])"
)


_JP_ONLY: tuple[tuple[re.Pattern[str], str | None], ...] = ((_PHONE_JP_RE, "JP"),)
_JP_AND_INTL: tuple[tuple[re.Pattern[str], str | None], ...] = ((_PHONE_JP_RE, "JP"), (_PHONE_INTL_RE, None))


def phone_hits(text: str, pos: int, endpos: int, kinds: frozenset[str]) -> Iterator[Hit]:
    # An international number starts with `+`: without one in the window its pattern (which `re` tries at every
    # position, as it opens with a look-behind) need not run.
    regexes = _JP_AND_INTL if text.find("+", pos, endpos) >= 0 else _JP_ONLY
    for regex, region in regexes:
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
_PHONE_WORDS_RE = re.compile("|".join(re.escape(word) for word in _PHONE_WORDS))


def _phone_confidence(text: str, m: re.Match[str], digits: str, kinds: frozenset[str]) -> float:
    """Context makes a phone number: a phone field or word says so (0.95); a number written with separators
    the way people write them (03-1234-5678) is likely (0.85); ten or eleven bare digits without context are
    as often an ID, a tax number or a doctest value (0.35, hidden by default); an example-like counting run
    (1234-5678) stays below what the table shows unless a phone field holds it."""
    raw = m.group()
    separated = digits != nfkc(raw).lstrip("+")
    context = "phone_number" in kinds or _PHONE_WORDS_RE.search(text_before(text, m.start(), 30)) is not None
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


def email_hits(text: str, pos: int, endpos: int) -> Iterator[Hit]:
    at = text.find("@", pos, endpos)
    if at < 0:
        return
    # An address holds one `@` with at most 64 characters before it: none starts earlier than this.
    for m in _EMAIL_RE.finditer(text, max(pos, at - 64), endpos):
        raw = m.group()
        if raw.rsplit(".", 1)[-1].lower() in data.NOT_EMAIL_TLDS or not precision.email_domain_ok(raw):
            continue  # `icon@2x.png`, `t@models.permalink`, `x@host.local`
        if precision.email_in_blob(text, m.start(), m.end()) or precision.email_is_scp_remote(text, m.end()):
            continue
        yield Hit("email_address", m.start(), m.end(), 0.9, mask_email(raw), raw.lower())


_SPLIT_FIELD = re.compile(r"(?P<stem>.*(?:tel|fax|zip))0?(?P<part>[123])")


@lru_cache(maxsize=8192)
def _split_part(key: str | None) -> tuple[str, int] | None:
    """(stem, part number) of a split field name such as `order_tel02`."""
    m = _SPLIT_FIELD.fullmatch(normalise_key((key or "").rsplit(".", 1)[-1]))
    return (m["stem"], int(m["part"])) if m else None


def split_field_hits(record: list[TextUnit]) -> list[tuple[int, Hit]]:
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
        value, start = trimmed(record[parts[1]].text)
        joined = "-".join(record[parts[n]].text.strip() for n in wanted)
        if stem.endswith("zip"):
            found = postal_code_value(joined, 0.9)
            if found:
                hits.append((parts[1], as_hit(found, start, start + len(value))))
            continue
        for hit in phone_hits(joined, 0, len(joined), frozenset({"phone_number"})):
            if (hit.start, hit.end) == (0, len(joined)):
                hits.append((parts[1], moved(hit, start, start + len(value))))
    return hits


SPECS: tuple[TypeSpec, ...] = (
    TypeSpec(
        "phone_number",
        Severity.LOW,
        DataClass.PERSONAL,
        "Phone number",
        FAMILY,
        column_hint=r"tel0?[1-3]?|tel_?no|phone(_?(no|number))?|mobile(_?phone)?|keitai|denwa(_?bango)?|fax0?[1-3]?",
        fields=(FieldKind("phone_number", key_names=PHONE_KEYS),),
    ),
    TypeSpec(
        "email_address",
        Severity.LOW,
        DataClass.PERSONAL,
        "E-mail address",
        FAMILY,
        column_hint=r"e?mail(_?(address|addr|mobile|pc))?|email_?mobile",
        fields=(FieldKind("email_address", key_names=EMAIL_KEYS),),
    ),
)
