"""Checksums, brand look-up and value normalisation used by the detectors."""

from __future__ import annotations

import functools
import re
import unicodedata

from mamori.discovery.engine.cardbrands import CARD_BRANDS, LONGEST_PREFIX, BrandRange, brand_row
from mamori.discovery.engine.data import JAN_PREFIXES, LICENCE_COMMISSION_CODES

_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_NON_DIGIT = re.compile(r"[^0-9]")


def ascii_digits(text: str) -> str:
    """The ASCII digits of ``text`` (full-width digits converted), everything else dropped."""
    return _NON_DIGIT.sub("", text.translate(_FULLWIDTH_DIGITS))


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def luhn_ok(digits: str) -> bool:
    if digits.isascii() and digits.isdigit():  # the usual case, in C-level operations
        return luhn_ok_ascii(digits.encode("ascii"))
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


_LUHN_DOUBLE = bytes.maketrans(b"0123456789", bytes([0, 2, 4, 6, 8, 1, 3, 5, 7, 9]))


def luhn_ok_ascii(digits: bytes) -> bool:
    """``luhn_ok`` for ASCII digit bytes, with C-level operations only (for the prefilter's many runs)."""
    odd, even = digits[-1::-2], digits[-2::-2]
    return (sum(odd) - 48 * len(odd) + sum(even.translate(_LUHN_DOUBLE))) % 10 == 0


def _lengths_by_head() -> dict[bytes, frozenset[int]]:
    """Card lengths possible for each two-digit start (a superset of the brand table, JAN codes left out)."""
    table: dict[bytes, set[int]] = {}
    for head in (f"{n:02d}" for n in range(100)):
        for entry in CARD_BRANDS:
            if len(entry.low) == 1:
                possible = entry.low <= head[0] <= entry.high
            else:  # some longer prefix starting with ``head`` lies in the range
                possible = entry.low[:2] <= head <= entry.high[:2]
            if possible:
                table.setdefault(head.encode(), set()).update(entry.lengths)
    for head in JAN_PREFIXES:
        table.get(head.encode(), set()).discard(13)
    return {head: frozenset(lengths) for head, lengths in table.items()}


CARD_LENGTHS_BY_HEAD = _lengths_by_head()


def card_brand(digits: str) -> str | None:
    """The brand of the most specific prefix range that contains ``digits`` and allows its length."""
    row = card_brand_row(digits)
    return None if row is None else row.brand


def card_brand_row(digits: str) -> BrandRange | None:
    """``card_brand``'s table row (``broad`` says whether only a catch-all range explains the number)."""
    # Only the leading digits and the length matter, so candidates share a small cache.
    return _brand(digits[:LONGEST_PREFIX], len(digits))


@functools.lru_cache(maxsize=65536)
def _brand(head: str, length: int) -> BrandRange | None:
    return brand_row(head, length)


def my_number_ok(digits: str) -> bool:
    """個人番号 check digit: weights n+1 (n<=6) / n-5 (n>=7) over the first 11 digits from the right."""
    if len(digits) != 12 or not digits.isdigit():
        return False
    body = digits[:11]
    total = 0
    for n, char in enumerate(reversed(body), start=1):
        weight = n + 1 if n <= 6 else n - 5
        total += int(char) * weight
    remainder = total % 11
    check = 0 if remainder <= 1 else 11 - remainder
    return check == int(digits[11])


def licence_ok(digits: str) -> bool:
    """Shape of a driving licence number; its check digit algorithm is unpublished, so not used."""
    return len(digits) == 12 and digits[:2] in LICENCE_COMMISSION_CODES


_EXPIRY_FORMS = (
    re.compile(r"(?P<m>0?[1-9]|1[0-2])\s*[/\-.]\s*(?P<y>\d{2}|\d{4})"),
    re.compile(r"(?P<y>\d{4})\s*[/\-.年]\s*(?P<m>0?[1-9]|1[0-2])月?"),
    re.compile(r"(?P<y>\d{2})年\s*(?P<m>0?[1-9]|1[0-2])月"),
    re.compile(r"(?P<m>0[1-9]|1[0-2])(?P<y>\d{2})"),
    re.compile(r"(?P<y>\d{2})(?P<m>0[1-9]|1[0-2])"),  # YYMM, as on the magnetic stripe
)


def parse_expiry(text: str) -> tuple[int, int] | None:
    """(month, two-digit year) when ``text`` is an expiry such as 12/27, 2027-12, 1227 or 2027年12月.

    Four digits are read as MMYY first, then as YYMM (2203 is March 2022).
    """
    value = nfkc(text).strip().replace("%2F", "/").replace("%2f", "/")
    for form in _EXPIRY_FORMS:
        match = form.fullmatch(value)
        if match:
            year = int(match["y"]) % 100
            return int(match["m"]), year
    return None
