"""The Hyperscan prefilter and the pure-Python fallback find exactly the same values."""

from __future__ import annotations

import pytest

from mamori.discovery.engine.data import KEYWORDS
from mamori.discovery.engine.detectors import Detector, literal_guard
from mamori.discovery.engine.matcher import HyperscanMatcher, ReMatcher, get_matcher, hyperscan_available
from mamori.discovery.engine.types import Finding

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
    """The samples spread through a log far larger than the size checked without the prefilter."""
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
    # given each sample alone (checked whole) and inside a large log (checked through the prefilter)
    detector = Detector(b"k", matcher=matcher())
    alone = [shape(detector.scan_text(sample)) for sample in SAMPLES]
    # then the large log yields exactly the findings of the samples, in order
    expected = [item for per_sample in alone for item in per_sample]
    assert shape(detector.scan_text(big_text())) == expected
    assert all(alone), "every sample should hold at least one value"


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
