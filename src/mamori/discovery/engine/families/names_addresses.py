"""Names and addresses: person names (with evidence: a field or keyword about a person and a name-shaped value,
honorifics, mail display names; a bare `name` column only for clearly personal names), Japanese postal addresses
(prefecture + municipality) and postal codes (〒 or context)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mamori.discovery.engine import data, precision
from mamori.discovery.engine.checks import ascii_digits, nfkc
from mamori.discovery.engine.families.base import (
    KANA,
    KANJI,
    D,
    FieldKind,
    Found,
    Hit,
    TypeSpec,
    normalise_key,
    value_field,
)
from mamori.discovery.engine.masking import mask_digits, mask_text
from mamori.discovery.engine.types import DataClass, Severity

FAMILY = "names_addresses"

POSTAL_CODE_WORDS: tuple[str, ...] = (
    "zip(?:[ _\\-]?code)?(?:0?[12])?",
    "postal(?:[ _\\-]?code)?",
    "post[ _\\-]?code",
    "yubin(?:[_\\-]?bango)?",
    "郵便番号",
)
PERSON_NAME_WORDS: tuple[str, ...] = (
    "full[ _\\-]?name",
    *(
        f"{who}[_\\-]?name"
        for who in ("customer", "member", "client", "contact", "billing", "shipping", "delivery", "recipient")
    ),
    "order[_\\-]?name",
    *(f"{part}[ _\\-]?name" for part in ("first", "last", "family", "given")),
    "name0?[12]",
    "kana0?[12]",
    "shimei",
    "氏名",
    "お名前",
    "フリガナ",
    "ふりがな",
)
CARD_HOLDER_WORDS: tuple[str, ...] = (
    "card[ _\\-]?holder(?:[ _\\-]?name)?",
    "holder[ _\\-]?name",
    "name[ _\\-]?on[ _\\-]?card",
    "card[ _\\-]?name",
    "meigi(?:nin)?",
    "カード名義(?:人)?",
    "名義人",
)
PERSON_NAME_KEYS: frozenset[str] = frozenset(
    {
        "name",
        "name01",
        "name02",
        "name1",
        "name2",
        "kana",
        "kana01",
        "kana02",
        "name_kana",
        "kana_name",
        "full_name",
        "fullname",
        "first_name",
        "last_name",
        "family_name",
        "given_name",
        "sei",
        "mei",
        "sei_kana",
        "mei_kana",
        "shimei",
        "customer_name",
        "member_name",
        "contact_name",
        "billing_name",
        "shipping_name",
        "delivery_name",
        "recipient_name",
        "order_name",
        "氏名",
        "名前",
        "お名前",
        "フリガナ",
        "ふりがな",
        "姓",
        "名",
        "セイ",
        "メイ",
        "氏名カナ",
    }
)
ADDRESS_KEYS: frozenset[str] = frozenset(
    {"address", "addr", "addr01", "addr02", "address1", "address2", "jusho", "juusho", "住所", "所在地"}
)

_POSTAL_MARK_RE = re.compile(rf"〒[ 　]?(?P<v>{D}{{3}}[-－ー‐−]?{D}{{4}})(?!{D})")
_ADDRESS_RE = re.compile(
    "(?P<head>(?:{prefs})(?:[{k}{kana}]{{1,8}}?(?:市|区|町|村|郡))?|(?:{cities}))"
    "(?P<rest>[{k}{kana}0-9０-９\\-－−‐ー]{{0,30}})".format(
        prefs="|".join(data.PREFECTURES), cities="|".join(data.DESIGNATED_CITIES), k=KANJI, kana=KANA
    )
)
_BLOCK_NUMBER_RE = re.compile(r"[0-9０-９]|丁目|番地|番|号")
_HONORIFIC_KANJI_RE = re.compile(rf"(?<![{KANJI}])(?P<v>[{KANJI}]{{1,4}}[ 　]?[{KANJI}]{{1,4}})[ 　]?(?P<h>様|殿|さん)")
_HONORIFIC_KANA_RE = re.compile(r"(?<![ァ-ヶー])(?P<v>[ァ-ヶー]{2,8}(?:[ 　・][ァ-ヶー]{2,8})?)[ 　]?(?P<h>様|殿)")

# A mail header display name: `From: 佐藤 愛 <ai.sato@example.jp>`.
_DISPLAY_NAME_RE = re.compile(
    rf"""(?im)^(?:from|to|cc|reply-to|差出人|宛先):[ \t]*"?"""
    rf"""(?P<v>[A-Za-z{KANJI}{KANA} .'\-　]{{2,30}}?)"?[ \t]*<[^<>@\s]+@"""
)

_NAME_VALUE = (
    rf"(?P<v>[{KANJI}{KANA}]{{1,10}}(?:[ 　][{KANJI}{KANA}]{{1,10}})?"
    r"|[A-Za-z][A-Za-z'\-]{1,20}(?:[ ,]{1,2}[A-Za-z][A-Za-z'\-]{1,20}){0,2})"
)


def display_name_hits(text: str, pos: int, endpos: int) -> Iterator[Hit]:
    for m in _DISPLAY_NAME_RE.finditer(text, pos, endpos):
        name = m["v"].strip()
        if _valid_name(name) and len(name.replace(" ", "")) >= 2:
            yield Hit("person_name", m.start("v"), m.start("v") + len(name), 0.8, mask_text(name), nfkc(name))


def postal_mark_hits(text: str, pos: int, endpos: int) -> Iterator[Hit]:
    for m in _POSTAL_MARK_RE.finditer(text, pos, endpos):
        digits = ascii_digits(m["v"])
        yield Hit("postal_code", m.start("v"), m.end("v"), 0.95, mask_digits(m["v"], 3, 0), digits)


def address_hits(text: str, pos: int, endpos: int, kinds: frozenset[str]) -> Iterator[Hit]:
    for m in _ADDRESS_RE.finditer(text, pos, endpos):
        head, rest = m["head"], m["rest"].rstrip("ー-－−‐")
        has_municipality = head.endswith(("市", "区", "町", "村", "郡"))
        has_block = bool(_BLOCK_NUMBER_RE.search(rest))
        if not has_municipality or not (has_block or "address" in kinds):
            continue
        confidence = 0.9 if "address" in kinds else (0.8 if has_block else 0.6)
        value = head + rest
        yield Hit("address", m.start(), m.start() + len(value), confidence, head + "***", nfkc(value))


def honorific_hits(text: str, pos: int, endpos: int) -> Iterator[Hit]:
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


def _valid_name(value: str) -> bool:
    stripped = value.strip()
    return bool(stripped) and stripped.lower() not in data.NAME_PLACEHOLDERS and not stripped.isdigit()


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


def _name_field_ok(key: str, value: str) -> bool:
    return not any(ch.isdigit() for ch in value) and "@" not in value and len(value) <= 60 and bool(key)


# Confidence of a name under a key that is only `name` (`name`, `author.name`, `hydra:member.name`): below what
# the table shows, unless another field of the same record holds personal data (``Detector._flush``).
GENERIC_NAME_CONFIDENCE = 0.45
_GENERIC_NAME_KEYS = frozenset({"name", "names", "display_name", "displayname", "title"})
# Types that, in another field of the same record, make a name under a generic key somebody's name.
PERSONAL_EVIDENCE = frozenset(
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


def _address_field(key: str, value: str) -> Found | None:
    text = nfkc(value)
    head = next((p for p in (*data.PREFECTURES, *data.DESIGNATED_CITIES) if text.startswith(p)), "")
    if head or re.search(r"(市|区|町|村|郡).*[0-9]", text):
        return "address", (head or text[:1]) + "***", text, 0.9 if head else 0.7
    return None


def name_record_evidence(per_unit: list[list[Hit]]) -> None:
    """A name under a generic `name` key in a record that also holds an e-mail address, phone number,
    address or card is somebody's name: raise it to 0.8 (from ``GENERIC_NAME_CONFIDENCE``)."""
    weak = [
        (hits, i)
        for hits in per_unit
        for i, hit in enumerate(hits)
        if hit.type == "person_name" and hit.confidence == GENERIC_NAME_CONFIDENCE
    ]
    if weak and any(hit.type in PERSONAL_EVIDENCE for hits in per_unit for hit in hits):
        for hits, i in weak:
            hits[i] = Hit("person_name", hits[i].start, hits[i].end, 0.8, hits[i].masked, hits[i].norm)


# --- validate and mask --------------------------------------------------------------------------


def postal_code_value(value: str, confidence: float) -> Found | None:
    digits = ascii_digits(value)
    return ("postal_code", mask_digits(value, 3, 0), digits, confidence) if len(digits) == 7 else None


def name_value(value: str, confidence: float) -> Found | None:
    if _valid_name(value):
        return "person_name", mask_text(value.strip()), nfkc(value.strip()), confidence
    return None


def _person_name_field(key: str, value: str) -> Found | None:
    if not _name_field_ok(key, value):
        return None
    confidence = _field_name_confidence(key, value, "person_name")
    return None if confidence is None else name_value(value, confidence)


def _card_holder_field(key: str, value: str) -> Found | None:
    confidence = _field_name_confidence(key, value, "card_holder")
    return None if confidence is None else name_value(value, confidence)


SPECS: tuple[TypeSpec, ...] = (
    TypeSpec(
        "address",
        Severity.MEDIUM,
        DataClass.PERSONAL,
        "Postal address",
        FAMILY,
        column_hint=r"addr(ess)?0?[1-3]?|jusho|street",
        fields=(FieldKind("address", key_names=ADDRESS_KEYS, field=_address_field),),
    ),
    TypeSpec(
        "postal_code",
        Severity.LOW,
        DataClass.PERSONAL,
        "Postal code",
        FAMILY,
        column_hint=r"zip0?[12]?|zip_?code|zipcode|postal(_?code)?|post_?code|yubin(_?bango)?",
        fields=(
            FieldKind(
                "postal_code",
                words=POSTAL_CODE_WORDS,
                value=rf"(?P<v>{D}{{3}}[-－ー‐−]?{D}{{4}})(?!{D})",
                validate=postal_code_value,
                field=value_field(postal_code_value, 0.95),
            ),
        ),
    ),
    TypeSpec(
        "person_name",
        Severity.LOW,
        DataClass.PERSONAL,
        "Person's name",
        FAMILY,
        column_hint=(
            r"name0?[12]|(full_?|first_?|last_?|family_?|given_?)name|kana0?[12]|shimei|sei|mei|furigana|"
            r"kanji_?name|name_?kana|(card_?)?holder(_?name)?"
        ),
        fields=(
            FieldKind(
                "person_name",
                words=PERSON_NAME_WORDS,
                key_names=PERSON_NAME_KEYS,
                value=_NAME_VALUE,
                validate=name_value,
                field=_person_name_field,
                text_confidence=_text_name_confidence,
            ),
            FieldKind(
                "card_holder",
                words=CARD_HOLDER_WORDS,
                value=_NAME_VALUE,
                validate=name_value,
                field=_card_holder_field,
                text_confidence=_text_name_confidence,
            ),
        ),
    ),
)
