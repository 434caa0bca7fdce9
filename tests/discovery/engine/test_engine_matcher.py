"""The Hyperscan prefilter and the pure-Python fallback find exactly the same values."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from mamori.discovery.engine.data import KEYWORDS
from mamori.discovery.engine.detectors import Detector, _char_offsets, _resolve, _window_hits, literal_guard
from mamori.discovery.engine.matcher import (
    ALL_FAMILIES,
    HyperscanMatcher,
    ReMatcher,
    get_matcher,
    hyperscan_available,
)
from mamori.discovery.engine.types import Finding, TextUnit

SAMPLES = [
    "paid with 4111 1111 1111 1111 exp 12/27",
    "cvv=123",
    'json {"security_code": "456", "cardNumber": "5555555555554444"}',
    "セキュリティコード：789 有効期限：2027年12月",
    "マイナンバー: 1234 5678 9018",
    "携帯 090-1234-5678 / +81 3-1234-5678 / +1 415-555-2671",
    "mail taro@example.jp",
    "〒100-0001 東京都千代田区千代田1-1 山田太郎様",
    "口座番号: 1234567 運転免許証番号: 301234567890 passport: TK1234567",
    "%B4111111111111111^YAMADA/TARO^2712101000000000000000?",
    "４１１１－１１１１－１１１１－１１１１",
    "氏名：ヤマダ タロウ",
]
FILLER = "2026-11-28T03:31:14.123Z INFO [worker-3] GET /api/v1/orders/12345?page=2 200 0.023s ip=192.168.1.10\n"


def big_text() -> str:
    """The samples spread through a large log."""
    parts: list[str] = []
    for sample in SAMPLES:
        parts.append(FILLER * 60)
        parts.append(sample + "\n")
    parts.append(FILLER * 60)
    return "".join(parts)


def shape(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.type, f.masked) for f in findings]


needs_hyperscan = pytest.mark.skipif(not hyperscan_available(), reason="hyperscan not installed")


@needs_hyperscan
def test_hyperscan_and_re_prefilters_give_identical_findings() -> None:
    # given a large log with values of every kind spread through it
    text = big_text()
    # when scanned with each prefilter
    with_re = Detector(b"k", matcher=ReMatcher()).scan_text(text, path="big.log")
    with_hs = Detector(b"k", matcher=HyperscanMatcher()).scan_text(text, path="big.log")
    # then the findings are the same, field for field
    assert with_re == with_hs
    assert len(with_re) >= len(SAMPLES)


@pytest.mark.parametrize("matcher", [ReMatcher, pytest.param(HyperscanMatcher, marks=needs_hyperscan)])
def test_the_prefilter_misses_nothing_the_exact_detectors_find(matcher: type) -> None:
    # given each sample alone and inside a large log
    detector = Detector(b"k", matcher=matcher())
    alone = [shape(detector.scan_text(sample)) for sample in SAMPLES]
    # then the large log yields exactly the findings of the samples, in order
    expected = [item for per_sample in alone for item in per_sample]
    assert shape(detector.scan_text(big_text())) == expected
    assert all(alone), "every sample should hold at least one value"


def _luhn_complete(body: str) -> str:
    for check in "0123456789":
        digits = body + check
        total = sum(
            (d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2))
            for i, d in enumerate(int(c) for c in reversed(digits))
        )
        if total % 10 == 0:
            return digits
    raise AssertionError("unreachable")


def _noisy_log(seed: int, lines: int = 3000) -> str:
    """Log lines full of what looks like card data and is not, with real values among them."""
    rng = random.Random(seed)
    heads = ["4", "51", "2221", "34", "37", "3528", "36", "6011", "62", "45", "49", "35", "20", "1"]

    def digits(n: int) -> str:
        return "".join(rng.choice("0123456789") for _ in range(n))

    shapes = [
        lambda: _luhn_complete(rng.choice(heads) + digits(rng.randint(9, 16))),  # may or may not be a card
        lambda: rng.choice(heads) + digits(rng.randint(10, 18)),
        lambda: f"width:{rng.randint(1, 99)}.{_luhn_complete('3' + digits(12))}%",
        lambda: f"order_id=2018{digits(4)}-0{digits(4)}",
        lambda: f"tel 0{digits(1)}-{digits(4)}-{digits(4)} / 0{digits(9)} / +81 {digits(2)}-{digits(4)}-{digits(4)}",
        lambda: f"cvv={digits(3)} exp={rng.randint(1, 12):02d}/{digits(2)} card_no={_luhn_complete('4' + digits(14))}",
        lambda: f"{_luhn_complete('5' + digits(14))[:4]} {digits(4)} {digits(4)} {digits(4)}",
        lambda: f"mail {digits(3)}@example.jp 〒{digits(3)}-{digits(4)} 大阪府大阪市北区{digits(1)}-{digits(2)} 山田様",
    ]
    return "".join(f"2018-06-{rng.randint(1, 28):02d} INFO {rng.choice(shapes)()} {digits(6)}\n" for _ in range(lines))


@pytest.mark.parametrize("matcher", [ReMatcher, pytest.param(HyperscanMatcher, marks=needs_hyperscan)])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_prefilter_windows_lose_nothing_the_exact_detectors_find_in_the_whole_text(matcher: type, seed: int) -> None:
    # given a noisy log
    text = _noisy_log(seed)
    # when it is checked through the prefilter, and whole by every exact detector
    windowed = Detector(b"k", matcher=matcher())._unit_hits(TextUnit(text, "x.log", line=1))
    whole = _resolve(_window_hits(text, 0, len(text), frozenset(), families=ALL_FAMILIES))
    # then both find the same values in the same places
    assert [(h.type, h.start, h.end) for h in windowed] == [(h.type, h.start, h.end) for h in whole]
    assert {h.type for h in whole} >= {"credit_card_number", "phone_number", "card_security_code", "address"}


def test_line_and_column_point_at_the_value_in_a_large_chunk() -> None:
    text = FILLER * 100 + "xx 4111111111111111\n"
    (finding,) = Detector(b"k").scan_text(text, line=10)
    assert (finding.line, finding.column) == (110, "4")


def test_the_matcher_is_chosen_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    get_matcher.cache_clear()
    monkeypatch.setenv("MAMORI_SCAN_MATCHER", "re")
    assert get_matcher().name == "re"
    get_matcher.cache_clear()
    monkeypatch.setenv("MAMORI_SCAN_MATCHER", "bogus")
    with pytest.raises(ValueError, match="MAMORI_SCAN_MATCHER"):
        get_matcher()
    get_matcher.cache_clear()


@pytest.mark.parametrize(
    ("fragment", "guard"),
    [
        ("cvv2?", "cvv"),
        ("post[ _\\-]?code", "code"),
        ("my[_\\-]?no", "my"),
        ("expires?", "expire"),
        ("account[ _\\-]?(?:no|number|num)", "account"),
        ("セキュリティコード", "セキュリティコード"),
    ],
)
def test_each_field_name_has_a_plain_substring_that_every_match_contains(fragment: str, guard: str) -> None:
    assert literal_guard(fragment) == guard


def test_every_keyword_has_a_guard() -> None:
    assert all(literal_guard(f) for fragments in KEYWORDS.values() for f in fragments)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ascii_bytes_give_the_same_hits_as_decoded_text(seed: int) -> None:
    # given the ASCII lines of a noisy log
    text = "".join(line for line in _noisy_log(seed).splitlines(keepends=True) if line.isascii())
    detector = Detector(b"k")
    # when it is checked as undecoded bytes (windows decoded one by one) and as text
    as_bytes = detector._ascii_hits(bytearray(text.encode("ascii")))
    as_text = detector._unit_hits(TextUnit(text, "x.log", line=1))
    # then both find the same values in the same places
    assert [(h.type, h.start, h.end, h.masked) for h in as_bytes] == [
        (h.type, h.start, h.end, h.masked) for h in as_text
    ]
    assert {h.type for h in as_text} >= {"credit_card_number", "phone_number", "card_security_code"}


@needs_hyperscan
def test_the_compiled_prefilter_is_cached_and_a_bad_cache_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an empty cache directory
    monkeypatch.setenv("MAMORI_CACHE_DIR", str(tmp_path / "cache"))
    expected = Detector(b"k", matcher=HyperscanMatcher()).scan_text(big_text())
    (cached,) = (tmp_path / "cache").glob("prefilter-*.hsdb")
    # when a second matcher is built, and a third after the cache file was damaged
    from_cache = Detector(b"k", matcher=HyperscanMatcher()).scan_text(big_text())
    cached.write_bytes(b"not a database")
    after_damage = Detector(b"k", matcher=HyperscanMatcher()).scan_text(big_text())
    # then each finds the same, and the damaged file was compiled anew
    assert expected == from_cache == after_damage
    assert cached.read_bytes() != b"not a database"


@needs_hyperscan
def test_an_unwritable_cache_directory_only_means_compiling(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("MAMORI_CACHE_DIR", str(blocker / "cache"))  # a path below a plain file
    assert Detector(b"k", matcher=HyperscanMatcher()).scan_text("card 4111111111111111")


def test_byte_offsets_inside_a_character_count_that_character() -> None:
    # given Japanese text and byte offsets at, and inside, its characters (`：` is three bytes)
    text = "個人番号：1234"
    data = text.encode("utf-8")
    colon = data.index("：".encode())
    # when / then: an offset one byte into `：` counts it, and later offsets do not drift
    assert _char_offsets(data, [colon, colon + 1, len(data)]) == [4, 5, len(text)]


@pytest.mark.parametrize("matcher", [ReMatcher, pytest.param(HyperscanMatcher, marks=needs_hyperscan)])
def test_values_late_in_long_japanese_text_are_still_found(matcher: type) -> None:
    # given 300 Japanese records, each a field name followed by a full-width colon and a My Number
    numbers = ["729755347965", "240541207997", "515616415956"]
    lines = [f"E{n:04d} 個人番号：{numbers[n % 3]} 本人確認書類：運転免許証 確認者：人事\n" for n in range(300)]
    # when scanned as one text
    found = Detector(b"k", matcher=matcher()).scan_text("".join(lines))
    # then every record's number is found on its own line, the last ones too
    assert [f.line for f in found if f.type == "my_number"] == list(range(1, 301))
