"""Detecting the character encoding of a text file from a sample of its first bytes.

Order: byte-order mark (a UTF-16 mark followed by UTF-32 text read as UTF-32), then UTF-32 and UTF-16
without a BOM (NUL-byte patterns), then strict decode trials
of the Japanese encodings in common use, then charset-normalizer as a last resort. The result is a
Python codec name, or None when the sample looks binary.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

import charset_normalizer

BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Tried in this order when the sample is not ASCII. CP932 is a superset of Shift_JIS (it adds the
# NEC and IBM extensions such as ① and ㈱ that Windows software writes), so it stands for both.
JAPANESE_TRIALS: tuple[str, ...] = ("cp932", "euc_jp")

# ISO-2022-JP (7-bit JIS, the traditional encoding of Japanese e-mail) switches to Japanese with ESC $ B / $ @,
# and to half-width katakana with ESC ( I: all ASCII bytes, so it must be recognised before ASCII is assumed.
_ISO_2022_JP = re.compile(rb"\x1b\$[@B]|\x1b\(I")

# Share of control characters (other than tab, CR, LF, FF, ESC) above which decoded text is binary.
MAX_CONTROL_SHARE = 0.05


def detect_encoding(sample: bytes) -> str | None:
    """Return a codec name for ``sample``, or None if it is binary data."""
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not sample.startswith(
        (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)
    ):
        # A UTF-16 byte-order mark followed by 32-bit units: some writers put the two-byte mark before
        # UTF-32 text. Read as UTF-16 it would be every other character a NUL, and no value would be found.
        after = _utf32_units(sample[2:])
        if after:
            return UTF32_AFTER_UTF16_BOM[after]
    for bom, codec in BOMS:
        if sample.startswith(bom):
            return codec
    if not sample:
        return "utf-8"
    if b"\x00" in sample:
        return _utf32_units(sample) or _utf16_without_bom(sample)
    if sample.isascii():
        if _ISO_2022_JP.search(sample):
            return "iso2022_jp_ext"
        return ADAPTIVE if _plausible(sample, "ascii") else None
    if _decodes(sample, "utf-8"):
        return "utf-8" if _plausible(sample, "utf-8") else None
    japanese = [c for c in JAPANESE_TRIALS if _decodes(sample, c)]
    if len(japanese) > 1:
        japanese.sort(key=lambda c: _japanese_score(sample, c), reverse=True)
    for codec in japanese:
        if _plausible(sample, codec):
            return codec
    return _charset_normalizer(sample)


def _decodes(sample: bytes, codec: str) -> bool:
    # final=False: the sample may end in the middle of a multi-byte character.
    try:
        codecs.getincrementaldecoder(codec)(errors="strict").decode(sample, final=False)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _decode(sample: bytes, codec: str) -> str:
    return codecs.getincrementaldecoder(codec)(errors="replace").decode(sample, final=False)


def _plausible(sample: bytes, codec: str) -> bool:
    text = _decode(sample, codec)
    if not text:
        return True
    # ASCII controls by one regex pass; other characters by category, once per distinct character
    control = len(_ASCII_CONTROL.findall(text))
    if not text.isascii():
        control += sum(text.count(ch) for ch in set(text) if ch > "\x7f" and _is_control(ch))
    return control / len(text) <= MAX_CONTROL_SHARE


_ASCII_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")


def _is_control(ch: str) -> bool:
    return ch not in "\t\r\n\f\x1b" and unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn")


_KANA = re.compile("[\u3000-\u30ff]")
_HALFWIDTH_KANA = re.compile("[\uff61-\uff9f]")


def _japanese_score(sample: bytes, codec: str) -> float:
    """Share of kana among the decoded characters: wrong decodings give kanji and half-width noise."""
    text = _decode(sample, codec)
    kana = len(_KANA.findall(text))
    halfwidth = len(_HALFWIDTH_KANA.findall(text))
    return (kana - halfwidth) / max(len(text), 1)


def _utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 text without a BOM has its NUL bytes (in ASCII, digits, newlines) on one parity only."""
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    trimmed = sample[: len(sample) - len(sample) % 2]
    for codec, zeros, others in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if zeros and others <= zeros / 10 and _decodes(trimmed, codec):
            text = _decode(trimmed, codec)
            if _usual_share(text) >= 0.9:
                return codec
    return None


def _utf32_units(sample: bytes) -> str | None:
    """``utf-32-le`` or ``utf-32-be`` when ``sample`` is UTF-32 text without a BOM: the two high bytes of
    every four-byte unit are zero (any character below U+10000), which UTF-16 text never shows."""
    trimmed = sample[: len(sample) - len(sample) % 4]
    units = len(trimmed) // 4
    if units < 2:
        return None
    for codec, high, low in (("utf-32-le", (2, 3), 0), ("utf-32-be", (0, 1), 3)):
        shaped = all(trimmed[i::4].count(0) == units for i in high) and trimmed[low::4].count(0) < units
        if shaped and _decodes(trimmed, codec) and _usual_share(_decode(trimmed, codec)) >= 0.9:
            return codec
    return None


def encoding_warning(sample: bytes, codec: str | None) -> str | None:
    """Why the text of a file whose first bytes are ``sample`` may be read wrongly, or None when its encoding
    is certain enough. A file read as ``codec`` (None: as binary) is still scanned; the warning says so."""
    if codec is None:
        if b"\x00" in sample and _printable_share(sample) >= 0.6:
            return "text encoding not recognised (NUL bytes between text); read as binary, only text runs scanned"
        return None
    if codec in UTF32_AFTER_UTF16_BOM.values():
        return "UTF-16 byte-order mark followed by UTF-32 text; read as UTF-32"
    name = codecs.lookup(codec).name
    if name in _CERTAIN or not sample:
        return None
    text = _decode(sample, codec)
    replaced = text.count("\ufffd") / max(len(text), 1)
    if replaced > 0.01:
        return f"text does not decode cleanly as {name} ({replaced:.0%} undecodable); scanned as best it can"
    if name not in _DETECTED_SURELY:
        return f"text encoding guessed as {name}; values may be misread"
    return None


def _printable_share(sample: bytes) -> float:
    printable = sum(1 for byte in sample if 0x20 <= byte < 0x7F or byte in (9, 10, 13))
    return printable / max(len(sample), 1)


# Encodings chosen by a byte-order mark, a NUL-byte pattern, or a strict decode of the whole sample.
_CERTAIN = frozenset({"utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"})
_DETECTED_SURELY = frozenset({"cp932", "euc_jp", "iso2022_jp_ext", "mamori-ascii-adaptive", "ascii"})


def _usual_share(text: str) -> float:
    """Share of characters that ordinary (Japanese or Western) text is made of."""
    usual = sum(1 for ch in text if _usual(ch))
    return usual / max(len(text), 1)


def _usual(ch: str) -> bool:
    return (
        " " <= ch <= "~"
        or ch in "\t\r\n"
        or "\u00a0" <= ch <= "\u024f"
        or "\u3000" <= ch <= "\u30ff"
        or "\u4e00" <= ch <= "\u9fff"
        or "\uff00" <= ch <= "\uffef"
    )


def _charset_normalizer(sample: bytes) -> str | None:
    best = charset_normalizer.from_bytes(sample).best()
    if best is None:
        return None
    codec = str(best.encoding)
    return codec if _plausible(sample, codec) else None


# A file whose sample is plain ASCII may still turn to Shift_JIS or EUC-JP further on (a log whose
# Japanese messages start late). This codec decodes ASCII until the first other byte, then
# detects the encoding from the text there and keeps to it.
ADAPTIVE = "mamori-ascii-adaptive"


class AdaptiveDecoder(codecs.IncrementalDecoder):
    def __init__(self, errors: str = "replace") -> None:
        super().__init__(errors)
        self._inner: codecs.IncrementalDecoder | None = None

    def decode(self, data: bytes, final: bool = False) -> str:  # type: ignore[override]
        if self._inner is None:
            if data.isascii():
                return data.decode("ascii")
            self._inner = codecs.getincrementaldecoder(codec_after_ascii(data))(errors="replace")
        return self._inner.decode(data, final)

    def reset(self) -> None:
        self._inner = None

    def getstate(self) -> tuple[bytes, int]:
        return (b"", 0) if self._inner is None else self._inner.getstate()

    def setstate(self, state: tuple[bytes, int]) -> None:
        if self._inner is not None:
            self._inner.setstate(state)


def codec_after_ascii(data: bytes | bytearray) -> str:
    """The encoding of a file that began as ASCII, judged from ``data``, which holds its first other byte."""
    codec = detect_encoding(_from_first_non_ascii(data)) or "utf-8"
    return "utf-8" if codec.startswith(("utf-16", "utf-32")) else codec  # an ASCII start rules these out


def _from_first_non_ascii(data: bytes | bytearray) -> bytes:
    found = _NON_ASCII.search(data)
    start = found.start() if found else 0
    line_start = data.rfind(b"\n", 0, start) + 1
    return bytes(data[line_start : line_start + 64 * 1024])


_NON_ASCII = re.compile(rb"[\x80-\xff]")


# UTF-32 after a two-byte UTF-16 mark: decoders that drop the mark, then decode UTF-32.
UTF32_AFTER_UTF16_BOM = {
    "utf-32-le": "mamori-utf-32-le-after-utf-16-bom",
    "utf-32-be": "mamori-utf-32-be-after-utf-16-bom",
}


def _skipping_decoder(inner: str, skip: int) -> type[codecs.IncrementalDecoder]:
    class SkippingDecoder(codecs.IncrementalDecoder):
        def __init__(self, errors: str = "replace") -> None:
            super().__init__(errors)
            self._inner = codecs.getincrementaldecoder(inner)(errors)
            self._skip = skip

        def decode(self, data: bytes, final: bool = False) -> str:  # type: ignore[override]
            if self._skip:
                dropped = min(self._skip, len(data))
                data, self._skip = bytes(data[dropped:]), self._skip - dropped
            return self._inner.decode(data, final)

        def reset(self) -> None:
            self._inner.reset()
            self._skip = skip

    return SkippingDecoder


def _search(name: str) -> codecs.CodecInfo | None:
    name = name.replace("_", "-")
    for inner, alias in UTF32_AFTER_UTF16_BOM.items():
        if name == alias:
            base = codecs.lookup(inner)
            decoder = _skipping_decoder(inner, 2)
            return codecs.CodecInfo(
                name=alias,
                encode=base.encode,
                decode=lambda data, errors="strict", d=decoder: (d(errors).decode(data, True), len(data)),
                incrementalencoder=base.incrementalencoder,
                incrementaldecoder=decoder,
                streamreader=base.streamreader,
                streamwriter=base.streamwriter,
            )
    if name != ADAPTIVE:
        return None
    utf8 = codecs.lookup("utf-8")
    return codecs.CodecInfo(
        name=ADAPTIVE,
        encode=utf8.encode,
        decode=utf8.decode,
        incrementalencoder=utf8.incrementalencoder,
        incrementaldecoder=AdaptiveDecoder,
        streamreader=utf8.streamreader,
        streamwriter=utf8.streamwriter,
    )


codecs.register(_search)
