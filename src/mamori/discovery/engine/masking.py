"""Masking and keyed fingerprints: the only forms in which a found value leaves a detector.

Card data gets special care (docs/security.md): a security code or track data is never hashed in any form,
and a card number only with :class:`PanFingerprinter`, a deliberately slow keyed hash, because its masked
form leaves only a few digits to guess.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

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


# Digits a masked card number always hides: 10**6 combinations, 10**5 after the Luhn check, so that
# rebuilding one number from its mask costs 10**5 slow hashes even for an attacker who holds the key.
CARD_HIDDEN_DIGITS = 6


def mask_card(digits: str) -> str:
    """PCI DSS display rule (at most the first six and last four digits), tightened so that at least
    ``CARD_HIDDEN_DIGITS`` stay hidden: a 15-digit number shows five leading digits, a 14-digit one four."""
    return mask_card_digits(ascii_digits(digits))


def mask_card_digits(digits: str) -> str:
    """``mask_card`` of a number that is ASCII digits only."""
    head = max(0, min(6, len(digits) - 4 - CARD_HIDDEN_DIGITS))
    return digits[:head] + "*" * (len(digits) - head - 4) + digits[-4:]


@dataclass(frozen=True)
class ScryptCost:
    """Parameters of the slow hash; stored in each fingerprint so a later change keeps old ones matchable."""

    log2_n: int = 16  # 2**16 x 128 x r bytes = 64 MiB and about 0.2 s per hash on one 2020s server core
    r: int = 8
    p: int = 1

    def tag(self) -> str:
        return f"s1${self.log2_n}${self.r}${self.p}"


_PAN_SALT = b"mamori/pan-fingerprint/v1"


def pan_fingerprint(key: bytes, pan: str, cost: ScryptCost) -> str:
    """scrypt over an HMAC of the card number: the key is a pepper (without it no guess can be tested at
    all) and scrypt makes every guess cost ``cost`` even with the key."""
    peppered = hmac.digest(key, ascii_digits(pan).encode("ascii"), "sha256")
    digest = hashlib.scrypt(peppered, salt=_PAN_SALT, n=2**cost.log2_n, r=cost.r, p=cost.p, maxmem=2**31 - 1, dklen=32)
    return f"{cost.tag()}${digest.hex()}"


def parse_cost(fingerprint_value: str) -> ScryptCost | None:
    """The cost a stored fingerprint was made with, or None for a value that is not one of ours."""
    parts = fingerprint_value.split("$")
    if len(parts) != 5 or parts[0] != "s1" or not all(p.isdigit() for p in parts[1:4]):
        return None
    return ScryptCost(int(parts[1]), int(parts[2]), int(parts[3]))


@dataclass(eq=False)
class PanFingerprinter:
    """Slow fingerprints of card numbers, at most ``per_location`` distinct numbers per file or column.

    The budget bounds a scan's cost (each fingerprint takes ``cost``): the web app keeps a few masked
    examples per finding, and these are the numbers found first, so the kept examples get fingerprints.
    Picklable for scan worker processes (the cache and counters start empty in each). Compared by identity,
    not by settings: detectors are cached by their options, and a new scan's fingerprinter must not find a
    cached detector that holds an earlier one whose budget is spent.
    """

    key: bytes
    cost: ScryptCost = field(default_factory=ScryptCost)
    per_location: int = 5
    _done: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    _per_location: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def __call__(self, pan: str, location: str) -> str:
        digits = ascii_digits(pan)
        known = self._done.get(digits)
        if known is not None:
            return known
        used = self._per_location.get(location, 0)
        if used >= self.per_location:
            return ""
        self._per_location[location] = used + 1
        value = pan_fingerprint(self.key, digits, self.cost)
        if len(self._done) < 100_000:
            self._done[digits] = value
        return value

    def __getstate__(self) -> dict[str, object]:
        return {"key": self.key, "cost": self.cost, "per_location": self.per_location, "_done": {}, "_per_location": {}}


def match_card_numbers(
    key: bytes, numbers: Iterable[str], masks: Collection[str], fingerprints: Collection[str]
) -> list[tuple[int, str]]:
    """Which of ``numbers`` (e.g. a card company's list) are among stored ``fingerprints``.

    ``masks`` are the stored masked examples: a number is hashed only when its own mask is among them, so a
    list of 10,000 numbers costs one slow hash per plausible candidate, not per number. Returns
    (position in ``numbers``, fingerprint) for each match.
    """
    mask_set, stored = set(masks), set(fingerprints)
    costs = {c for c in map(parse_cost, stored) if c is not None}
    found: list[tuple[int, str]] = []
    for position, number in enumerate(numbers):
        digits = ascii_digits(number)
        if mask_card(digits) not in mask_set:
            continue
        for cost in costs:
            value = pan_fingerprint(key, digits, cost)
            if value in stored:
                found.append((position, value))
                break
    return found


def mask_all(value: str) -> str:
    return "*" * len(ascii_digits(value) or value)


@functools.lru_cache(maxsize=65536)  # the same customers' numbers recur throughout a shop's files
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
