"""Masking and keyed fingerprints: the only forms in which a found value leaves a detector."""

from __future__ import annotations

import hmac
import re

from mamori.discovery.engine.checks import ascii_digits, nfkc

_DIGIT = re.compile(r"[0-9０-９]")


def fingerprint(key: bytes, normalised: str) -> str:
    """HMAC-SHA256 of the normalised value, hex: recognisable across scans with the same key only."""
    return hmac.digest(key, normalised.encode("utf-8"), "sha256").hex()


def mask_digits(value: str, keep_head: int, keep_tail: int) -> str:
    """Replace digits by ``*`` except the first ``keep_head`` and last ``keep_tail`` ones.

    Non-digit characters (separators, letters) keep their place so the shape stays readable.
    """
    total = len(_DIGIT.findall(value))
    if keep_head + keep_tail >= total:
        keep_head, keep_tail = 0, 0
    out: list[str] = []
    seen = 0
    for char in value:
        if _DIGIT.match(char):
            seen += 1
            out.append(char if seen <= keep_head or seen > total - keep_tail else "*")
        else:
            out.append(char)
    return "".join(out)


def mask_card(digits: str) -> str:
    """PCI DSS display rule: at most the first six and last four digits, no separators."""
    digits = ascii_digits(digits)
    return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]


def mask_all(value: str) -> str:
    return "*" * len(ascii_digits(value) or value)


def mask_phone(value: str) -> str:
    text = nfkc(value)
    head_digits = len(ascii_digits(re.split(r"[^0-9+]", text.lstrip("+("), maxsplit=1)[0]))
    head = min(head_digits, 4) if head_digits < len(ascii_digits(text)) - 4 else 3
    return mask_digits(text, head, 4)


def mask_email(value: str) -> str:
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_text(value: str, keep: int = 1) -> str:
    """Keep the first ``keep`` characters of a name-like value; spaces stay so word count shows.

    A value no longer than ``keep`` (a one-character given name such as 誠) is masked whole.
    """
    if len(value.strip()) <= keep:
        return "*" * len(value)
    return "".join(c if i < keep or c in " 　" else "*" for i, c in enumerate(value))
