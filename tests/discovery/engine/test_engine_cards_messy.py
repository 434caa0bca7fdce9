"""Card numbers in messy text: next to other digit groups or letters, found by their own grouping."""

from __future__ import annotations

import pytest

from mamori.discovery.engine.detectors import Detector
from mamori.discovery.engine.matcher import ReMatcher


def cards(text: str) -> list[str]:
    return [f.masked for f in Detector(b"k").scan_text(text) if f.type == "credit_card_number"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("qty 3 4012 8888 8888 1881", ["401288******1881"]),
        ("4111 1111 1111 1111 4012 8888 8888 1881", ["411111******1111", "401288******1881"]),
        ("4916-4629-1281-8132Test", ["491646******8132"]),
        ("Stuff at the beginning4024 0071 4587 4441", ["402400******4441"]),
        ("order 12 3782 822463 10005 done", ["37828******0005"]),
        ("4012 8888 8888 1881 3 pcs", ["401288******1881"]),
        ("4111 1111 1111 1111 12/27", ["411111******1111"]),
        ("6799 9901 0000 0000 019", ["679999*********0019"]),
    ],
)
def test_a_number_with_an_unambiguous_grouping_is_found_in_messy_text(text: str, expected: list[str]) -> None:
    # given a grouped number touching other digit groups or letters / when scanned / then it is found
    assert cards(text) == expected


@pytest.mark.parametrize("matcher", [None, ReMatcher()], ids=["default", "re"])
def test_both_prefilter_back_ends_open_a_window_for_a_number_after_a_letter(matcher: ReMatcher | None) -> None:
    detector = Detector(b"k", matcher=matcher)
    found = detector.scan_text("x" * 300 + " Stuff at the beginning4024 0071 4587 4441 " + "y" * 300)
    assert [f.masked for f in found] == ["402400******4441"]


@pytest.mark.parametrize(
    "text",
    [
        "4111 1111 1111 1111 2222",  # a four-digit group continues it: maybe a longer number
        "1234 4111 1111 1111 1111",
        "ref A4111111111111111",  # an unbroken number touching letters is part of an identifier
        "ref 4111111111111111B",
        "ratio 0.4111 1111 1111 1111",
        "width:78.4111111111111111%",
        "ts=1700000000000 1699999999999",
        "order 20180929-0143-8888-1881",
    ],
)
def test_ambiguous_or_embedded_digit_runs_are_not_cards(text: str) -> None:
    assert cards(text) == []
