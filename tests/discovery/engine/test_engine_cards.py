"""Payment card numbers: brands, lengths, Luhn, separators, full-width digits and false positives."""

from __future__ import annotations

import pytest

from mamori.discovery.engine.detectors import Detector
from mamori.discovery.engine.types import DataClass, Severity

PUBLIC_TEST_NUMBERS = [
    "4111111111111111",
    "4242424242424242",
    "4012888888881881",
    "5555555555554444",
    "5105105105105100",
    "2223003122003222",
    "378282246310005",
    "371449635398431",
    "3530111333300000",
    "3566002020360505",
    "30569309025904",
    "38520000023237",
    "6011111111111117",
    "6011000990139424",
    "6200000000000005",
]


def cards(text: str) -> list[str]:
    detector = Detector(b"test-key")
    return [f.masked for f in detector.scan_text(text) if f.type == "credit_card_number"]


def luhn_complete(prefix: str, length: int) -> str:
    """A Luhn-valid number of ``length`` digits starting with ``prefix`` (zeros in between)."""
    body = prefix + "0" * (length - len(prefix) - 1)
    for check in "0123456789":
        digits = body + check
        total = 0
        for i, c in enumerate(reversed(digits)):
            v = int(c) * (2 if i % 2 else 1)
            total += v - 9 if v > 9 else v
        if total % 10 == 0:
            return digits
    raise AssertionError("unreachable")


@pytest.mark.parametrize("number", PUBLIC_TEST_NUMBERS)
def test_every_public_test_number_is_found_masked(number: str) -> None:
    # given a log line holding a provider sandbox card number
    text = f"order=81 paid with {number} ok"
    # when scanned
    found = Detector(b"k").scan_text(text)
    # then it is one critical, prohibited finding showing at most the first six and the last four digits,
    # with at least six hidden
    assert [f.type for f in found] == ["credit_card_number"]
    finding = found[0]
    head = min(6, len(number) - 10)
    assert finding.masked == number[:head] + "*" * (len(number) - head - 4) + number[-4:]
    assert finding.severity is Severity.CRITICAL
    assert finding.data_class is DataClass.PROHIBITED
    assert 0 < finding.confidence <= 1


@pytest.mark.parametrize("number", ["4111111111111112", "4012888888881882"])
def test_luhn_invalid_numbers_are_not_cards(number: str) -> None:
    assert cards(f"card {number}") == []


@pytest.mark.parametrize(
    ("prefix", "length"),
    [
        ("4", 13),
        ("4", 16),
        ("4", 19),
        ("51", 16),
        ("55", 16),
        ("2221", 16),
        ("2720", 16),
        ("34", 15),
        ("37", 15),
        ("3528", 16),
        ("3589", 17),
        ("3589", 19),
        ("300", 14),
        ("305", 16),
        ("3095", 14),
        ("36", 14),
        ("38", 19),
        ("6011", 16),
        ("622126", 19),
        ("644", 16),
        ("65", 18),
        ("62", 17),
    ],
)
def test_each_brand_is_found_at_each_of_its_lengths(prefix: str, length: int) -> None:
    number = luhn_complete(prefix, length)
    head = min(6, length - 10)  # at least six digits stay hidden
    assert cards(f"pan: {number}") == [number[:head] + "*" * (length - head - 4) + number[-4:]]


@pytest.mark.parametrize(
    ("prefix", "length"),
    [("51", 15), ("2721", 16), ("2220", 16), ("34", 16), ("3527", 16), ("4", 15), ("1", 16), ("9", 16)],
)
def test_wrong_length_or_unknown_prefix_is_not_a_card(prefix: str, length: int) -> None:
    assert cards(f"pan: {luhn_complete(prefix, length)}") == []


@pytest.mark.parametrize(
    "written",
    [
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "3782 822463 10005",
        "3056 930902 5904",
        "４１１１１１１１１１１１１１１１",
        "４１１１－１１１１－１１１１－１１１１",
        "４１１１　１１１１　１１１１　１１１１",
    ],
)
def test_usual_groupings_and_full_width_forms_are_found(written: str) -> None:
    masked = cards(f"カード番号：{written} です")
    assert len(masked) == 1
    assert masked[0].endswith(("1111", "0005", "5904"))


@pytest.mark.parametrize(
    "text",
    [
        "id=94111111111111111",  # inside a longer digit run
        "id=41111111111111119",
        "ref A4111111111111111",  # letter-digit run
        "ref 4111111111111111B",
        "4111 1111 1111 1111 2222",  # a longer grouped run
        "4111-11111-111-1111",  # irregular grouping
        "masked 411111******1111 and 4111XXXXXXXX1111",
        "ts=1700000000000 ms=1699999999999",  # millisecond timestamps
        "imei: 356938035643809",
        "JAN 4901234567894",  # 13-digit product barcode
        ".grid{width:78.30569309025904%}",  # the fraction of a decimal number (a Diners-shaped digit run)
        "ratio=0.4111111111111111",
        "order_id=201809219984626018",  # an 18-digit order number (no brand starts with 20)
    ],
)
def test_known_false_positives_are_rejected(text: str) -> None:
    assert cards(text) == []


def test_a_card_number_at_the_end_of_a_sentence_is_still_found() -> None:
    assert cards("card no.4111111111111111. thanks") == ["411111******1111"]


def test_a_card_number_followed_by_its_expiry_is_still_found() -> None:
    assert cards("4111 1111 1111 1111 12/27") == ["411111******1111"]


def test_imei_context_rejects_only_numbers_near_it() -> None:
    # given an IMEI-looking value that is also a valid card shape
    text = "device imei=4111111111111111\n" + "x" * 80 + "\ncard 4242424242424242"
    # then only the one away from the IMEI keyword is reported
    assert cards(text) == ["424242******4242"]


def test_track_data_is_reported_as_prohibited_without_revealing_the_pan() -> None:
    found = Detector(b"k").scan_text(
        "%B4111111111111111^YAMADA/TARO^2712101000000000000000?\n;4111111111111111=27121010000000000?"
    )
    tracks = [f for f in found if f.type == "card_track_data"]
    assert len(tracks) == 2
    assert all(f.severity is Severity.CRITICAL and "4111111111111111" not in f.masked for f in tracks)
