"""Evidence rules that keep names, phone numbers and e-mail addresses apart from code and master data.

On real source trees most `name` fields hold countries, prefectures or products, most ten-digit strings
starting with 0 are IDs or `0123456789`, and some `x@y.z` shapes are minified JavaScript or base64. The
detectors ask these functions how much a value looks like personal data; the answer becomes the finding's
confidence (or no finding). Findings below ``SHOWN_CONFIDENCE`` are left out of the default table
(``mamori scan --all`` shows them; every machine-readable format keeps them).
"""

from __future__ import annotations

import functools
import re

from mamori.discovery.engine import data, names_data, tld

# The default table hides findings below this confidence behind a count.
SHOWN_CONFIDENCE = 0.5

# --- names ------------------------------------------------------------------------------------------------

STRONG, SHAPED, WEAK = 1.0, 0.7, 0.4
_KANJI = "\u4e00-\u9fff々"
_JP_PART = rf"[{_KANJI}]{{1,5}}|[ァ-ヶー]{{1,10}}|[ぁ-んー]{{1,10}}"
_JP_NAME_RE = re.compile(rf"(?P<a>{_JP_PART})(?:[ 　・](?P<b>{_JP_PART}))?")
_LATIN_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'\-]{0,20}\.?")
_HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in range(0x3041, 0x3097)}


def _katakana(text: str) -> str:
    return text.translate(_HIRAGANA_TO_KATAKANA)


def _repeated(value: str) -> bool:
    """`フガフガ`, `フガ フガ`, `テストテスト`: one chunk of two or more characters said again."""
    compact = value.replace(" ", "").replace("　", "")
    for size in range(2, len(compact) // 2 + 1):
        if len(compact) % size == 0 and compact == compact[:size] * (len(compact) // size):
            return True
    return False


def not_a_name(value: str) -> bool:
    """A label (`姓`, `Last Name`), a placeholder (`John Doe`, `テスト`) or a code word (`String`, `self`)."""
    folded = " ".join(value.lower().replace("　", " ").split())
    return folded in names_data.NOT_A_NAME or folded.replace(" ", "") in names_data.NOT_A_NAME


def name_strength(value: str) -> float | None:
    """How much ``value`` looks like a person's name: STRONG (a common family or given name, or the Japanese
    `姓 名` shape with a space), SHAPED (name-shaped letters only), WEAK (all lower-case Latin), or None."""
    text = value.strip()
    if not text or len(text) > 40 or not_a_name(text) or _repeated(text):
        return None
    jp = _JP_NAME_RE.fullmatch(text)
    if jp and len(text) == 1 and not "\u4e00" <= text <= "\u9fff":
        return None  # one kana is an initial or a test value (`い`), not a name
    if jp:
        return _japanese_strength(text, jp["a"], jp["b"])
    words = text.replace(",", " ").split()
    if not 1 <= len(words) <= 3 or not all(_LATIN_WORD_RE.fullmatch(word) for word in words):
        return None
    if any(word.lower() in names_data.NOT_A_NAME for word in words):
        return None
    if all(word.islower() for word in words):
        return WEAK
    if not all(word[0].isupper() for word in words):  # `iPhone`, `eBay`
        return WEAK
    known = names_data.WESTERN_GIVEN | names_data.WESTERN_FAMILY | names_data.JP_FAMILY_ROMAN
    if any(word.rstrip(".").lower() in known for word in words) and not (
        len(words) == 1 and text.lower() in names_data.NOT_A_NAME_PLACES
    ):
        return STRONG
    return SHAPED


_PLACE_ENDINGS = ("都", "道", "府", "県", "市", "区", "町", "村", "郡")


def _japanese_strength(text: str, first: str, second: str | None) -> float | None:
    family = names_data.JP_FAMILY_KANJI
    if second is None and (text in data.PREFECTURES or text in data.DESIGNATED_CITIES or text.endswith(_PLACE_ENDINGS)):
        return None  # 東京都, 横浜市, 中央区: a place
    if first in family or _katakana(first) in names_data.JP_FAMILY_KANA:
        return STRONG
    if second is None and any(
        len(name) > 1 and text.startswith(name) and len(text) - len(name) <= 3 for name in family
    ):
        return STRONG  # 山田太郎 (a one-kanji family name is too common a first character to count)
    if second is not None and first[0] >= "\u4e00" and second[0] >= "\u4e00":
        return STRONG  # 漢字 漢字: the way forms and exports write 姓 名
    return SHAPED


def person_key(key: str) -> bool:
    """A key with a person-name keyword in it is about a person, not `class_name2`, `product_name` or
    `external_shipping_name`."""
    words = set(re.split(r"[^a-z0-9]+", re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key).lower()))
    return not words & names_data.NOT_PERSON_KEY_WORDS


def generic_name_ok(value: str) -> bool:
    """A value under a generic key (`name`) that is a person's name rather than a country, prefecture,
    product or identifier: only STRONG names count there."""
    return name_strength(value) == STRONG


# --- phone numbers ---------------------------------------------------------------------------------------

_ASCENDING = "01234567890123456789"
_DESCENDING = "98765432109876543210"


def _longest_run(digits: str) -> int:
    """Length of the longest stretch of consecutive digits counting up or down (`3456789` is 7)."""
    best = 1
    for size in range(len(digits), 1, -1):
        if size <= best:
            break
        for start in range(len(digits) - size + 1):
            part = digits[start : start + size]
            if part in _ASCENDING or part in _DESCENDING:
                return size
    return best


@functools.lru_cache(maxsize=65536)  # phone numbers recur; the check is pure
def phone_placeholder(digits: str) -> bool:
    """`0123456789`, `012-345-6789`, `0600000000`: a digit sequence or a repeated digit, not a subscriber.
    The whole number after its first digit (the trunk `0`, or `+`'s country code for international ones)
    counting up or down, or everything after the area code one repeated digit."""
    tail = digits[1:]
    if len(tail) >= 8 and (tail in "0123456789" or tail in "9876543210"):
        return True
    return bool(re.search(r"([0-9])\1{6,}$", digits)) or len(set(tail)) <= 2


@functools.lru_cache(maxsize=65536)  # phone numbers recur; the check is pure
def phone_example_like(digits: str) -> bool:
    """A long counting run inside the number (`03-1234-5678`, `+48 123 456 789`): the way documentation and
    tests write example numbers. Such a number is kept, with low confidence."""
    return _longest_run(digits) >= 7


# --- e-mail addresses ------------------------------------------------------------------------------------

_B64_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
# Markers of an encoded payload shortly before an address: a data: URI, a MIME part, a PostScript/PDF stream.
_BLOB_MARKERS = (
    "base64,",
    ";base64",
    "data:",
    "Content-Transfer-Encoding: base64",
    "%!PS-Adobe",
    "stream\n",
    "stream\r\n",
)


def email_domain_ok(address: str) -> bool:
    """The domain ends in a real top-level domain (`t@models.permalink` and `x@host.local` do not)."""
    return tld.is_tld(address.rsplit(".", 1)[-1])


def email_in_blob(text: str, start: int, end: int) -> bool:
    """The address sits inside an encoded blob: a base64 run (data: URIs, MIME parts, EPS/PDF streams) or
    a run of code with no space around it (minified JavaScript), not in text a person wrote or a field.

    Base64 of binary data contains `@`-free runs of 60+ characters of its alphabet; an address that the run
    surrounds (touching it on either side) was decoded from noise, not written.
    """
    # The base64 characters touching it on each side, counted up to 40 (enough to decide) with C-level strips.
    before = text[max(0, start - 40) : start]
    after = text[end : end + 40]
    if (len(before) - len(before.rstrip(_B64_CHARS))) + (len(after) - len(after.lstrip(_B64_CHARS))) >= 40:
        return True
    if text[max(0, start - 1) : start] in ("/", "=", "+") or text[end : end + 1] in ("+", "/", "="):
        before = text[max(0, start - 300) : start]
        for marker in _BLOB_MARKERS:  # a substring test each: faster than one search for them all
            if marker in before:
                return True
    return False


def email_is_scp_remote(text: str, end: int) -> bool:
    """`git@github.com:owner/repo.git`: an SSH remote, not a mailbox."""
    return text[end : end + 1] == ":" and text[end + 1 : end + 2] not in ("", " ", "\n", "\t")
