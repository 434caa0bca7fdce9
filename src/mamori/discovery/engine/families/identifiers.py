"""Official numbers: My Number (個人番号, check digit and context), bank account, driving licence and passport
numbers. None has a shape of its own that free text could be searched for; each needs a field name or
keyword before it."""

from __future__ import annotations

import re

from mamori.discovery.engine.checks import ascii_digits, licence_ok, my_number_ok, nfkc
from mamori.discovery.engine.families.base import SEP, D, FieldKind, Found, TypeSpec, value_field
from mamori.discovery.engine.masking import mask_digits
from mamori.discovery.engine.types import DataClass, Severity

FAMILY = "identifiers"

MY_NUMBER_WORDS: tuple[str, ...] = (
    "my[ _\\-]?number",
    "my[_\\-]?no",
    "kojin[_\\-]?bango",
    "individual[ _\\-]?number",
    "マイナンバー",
    "個人番号",
)
BANK_ACCOUNT_WORDS: tuple[str, ...] = (
    "bank[ _\\-]?account(?:[ _\\-]?(?:no|number))?",
    "account[ _\\-]?(?:no|number|num)",
    "koza(?:[_\\-]?(?:no|bango))?",
    "kouza(?:[_\\-]?(?:no|bango))?",
    "口座番号",
    "預金口座",
    "振込先口座",
)
DRIVERS_LICENSE_WORDS: tuple[str, ...] = (
    "drivers?[ _\\-']?s?[ _\\-]?licen[cs]e(?:[ _\\-]?(?:no|number))?",
    "licen[cs]e[ _\\-]?(?:no|number)",
    "menkyo(?:[_\\-]?(?:no|bango))?",
    "運転免許証番号",
    "運転免許番号",
    "免許証番号",
    "免許番号",
)
PASSPORT_WORDS: tuple[str, ...] = (
    "passport(?:[ _\\-]?(?:no|number|num))?",
    "ryoken(?:[_\\-]?(?:no|bango))?",
    "旅券番号",
    "パスポート番号",
    "旅券",
    "パスポート",
)


def my_number_value(value: str, confidence: float) -> Found | None:
    digits = ascii_digits(value)
    return ("my_number", mask_digits(value, 0, 4), digits, confidence) if my_number_ok(digits) else None


def bank_account_value(value: str, confidence: float) -> Found | None:
    digits = ascii_digits(value)
    return ("bank_account", mask_digits(value, 0, 3), digits, confidence) if 7 <= len(digits) <= 15 else None


def drivers_license_value(value: str, confidence: float) -> Found | None:
    digits = ascii_digits(value)
    return ("drivers_license", mask_digits(value, 2, 0), digits, confidence) if licence_ok(digits) else None


def passport_value(value: str, confidence: float) -> Found | None:
    norm = nfkc(value).replace(" ", "")
    if re.fullmatch(r"[A-Z]{2}[0-9]{7}", norm):
        return "passport_number", norm[:2] + "*****" + norm[-2:], norm, confidence
    return None


SPECS: tuple[TypeSpec, ...] = (
    TypeSpec(
        "my_number",
        Severity.HIGH,
        DataClass.PERSONAL,
        "Individual Number (個人番号)",
        FAMILY,
        column_hint=r"my_?number|mynumber|kojin_?bango|individual_?number",
        fields=(
            FieldKind(
                "my_number",
                words=MY_NUMBER_WORDS,
                value=rf"(?P<v>{D}{{4}}{SEP}?{D}{{4}}{SEP}?{D}{{4}})(?!{D})",
                validate=my_number_value,
                field=value_field(my_number_value, 0.95),
            ),
        ),
    ),
    TypeSpec(
        "bank_account",
        Severity.MEDIUM,
        DataClass.PERSONAL,
        "Bank account number",
        FAMILY,
        column_hint=r"(bank_?)?account_?(no|number)|koza(_?bango)?|bank_?account",
        fields=(
            FieldKind(
                "bank_account",
                words=BANK_ACCOUNT_WORDS,
                value=rf"(?P<v>(?:(?:普通|当座|普|当)[^\S\n]*)?{D}[0-9０-９\-－ ]{{5,20}}{D})(?!{D})",
                validate=bank_account_value,
                field=value_field(bank_account_value, 0.95),
            ),
        ),
    ),
    TypeSpec(
        "drivers_license",
        Severity.MEDIUM,
        DataClass.PERSONAL,
        "Driving licence number",
        FAMILY,
        column_hint=r"(drivers?_?)?licen[cs]e_?(no|number)|menkyo(sho)?(_?bango)?",
        fields=(
            FieldKind(
                "drivers_license",
                words=DRIVERS_LICENSE_WORDS,
                value=rf"(?P<v>{D}{{2}}[ \-]?{D}{{2}}[ \-]?{D}{{6}}[ \-]?{D}[ \-]?{D})(?!{D})",
                validate=drivers_license_value,
                field=value_field(drivers_license_value, 0.9),
            ),
        ),
    ),
    TypeSpec(
        "passport_number",
        Severity.MEDIUM,
        DataClass.PERSONAL,
        "Passport number",
        FAMILY,
        column_hint=r"passport(_?(no|number))?|ryoken(_?bango)?",
        fields=(
            FieldKind(
                "passport_number",
                words=PASSPORT_WORDS,
                value=rf"(?P<v>[A-Za-z]{{2}} ?{D}{{7}})(?![0-9A-Za-z])",
                validate=passport_value,
                field=value_field(passport_value, 0.9),
            ),
        ),
    ),
)
