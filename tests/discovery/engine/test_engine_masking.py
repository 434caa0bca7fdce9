"""Masking and fingerprints: what a finding may show of the value it found."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from mamori.discovery.engine.detectors import CARD_TYPES, Detector
from mamori.discovery.engine.masking import (
    PanFingerprinter,
    ScryptCost,
    fingerprint,
    mask_card,
    mask_digits,
    mask_email,
    mask_phone,
    match_card_numbers,
    pan_fingerprint,
)


def test_card_mask_keeps_at_most_the_first_six_and_last_four_and_hides_at_least_six() -> None:
    assert mask_card("4111111111111111") == "411111******1111"
    assert mask_card("４１１１－１１１１－１１１１－１１１１") == "411111******1111"
    assert mask_card("6011000990139424627") == "601100*********4627"
    # shorter numbers show fewer leading digits, so that guessing the hidden ones never gets cheaper
    assert mask_card("378282246310005") == "37828******0005"
    assert mask_card("30569309025904") == "3056******5904"


def test_partial_masks_keep_the_shape() -> None:
    assert mask_email("taro@example.jp") == "t***@example.jp"
    assert mask_phone("090-1234-5678") == "090-****-5678"
    assert mask_digits("100-0001", 3, 0) == "100-****"


@pytest.mark.parametrize(
    "text",
    [
        "card 4111111111111111 cvv=123",
        "カード ４１１１ １１１１ １１１１ １１１１ セキュリティコード：４５６",
        "%B4111111111111111^YAMADA/TARO^2712101000000000000000?",
        "cvv2: 9876 exp: 12/27",
    ],
)
def test_no_finding_reveals_more_than_six_and_four_digits_of_a_card_or_any_code_digit(text: str) -> None:
    for finding in Detector(b"k").scan_text(text):
        visible = re.findall(r"[0-9０-９]", finding.masked)
        if finding.type in ("credit_card_number", "card_track_data"):
            assert len(visible) <= 10
        if finding.type == "card_security_code":
            assert visible == []
        assert "4111111111111111" not in repr(finding)


def test_fingerprint_is_a_keyed_hash_of_the_normalised_value() -> None:
    # given the same e-mail address written twice
    found = Detector(b"key-1").scan_text("mail taro@example.jp, again taro@example.jp")
    # then both have the same fingerprint, which is HMAC-SHA256 of the value
    assert {f.fingerprint for f in found} == {fingerprint(b"key-1", "taro@example.jp")}
    assert len(found[0].fingerprint) == 64


@pytest.mark.parametrize(
    "text",
    [
        "card 4111111111111111 cvv=123 exp 12/27",
        "%B4111111111111111^YAMADA/TARO^2712101000000000000000?",
        ";4111111111111111=27121010000000000000?",
    ],
)
def test_card_data_gets_no_fast_hash_in_any_form(text: str) -> None:
    # when card data is found without a card-number fingerprinter
    found = Detector(b"key-1").scan_text(text)
    # then no finding of card data carries any hash
    assert found
    assert [f.fingerprint for f in found if f.type in CARD_TYPES] == [""] * len(
        [f for f in found if f.type in CARD_TYPES]
    )


def test_only_card_numbers_get_the_slow_fingerprint_and_the_same_number_the_same_one() -> None:
    # given a fingerprinter at a cheap test cost
    pans = PanFingerprinter(b"f" * 32, ScryptCost(log2_n=8))
    detector = Detector(b"key-1", pan_fingerprints=pans)
    # when a card written two ways, its security code and track data are found
    found = detector.scan_text(
        "4111-1111-1111-1111 cvv=123 ４１１１１１１１１１１１１１１１ %B4111111111111111^A/B^2712101?"
    )
    by_type = {f.type: f for f in found}
    numbers = [f for f in found if f.type == "credit_card_number"]
    # then both card numbers share one scrypt fingerprint; the code and the track data have none
    assert len(numbers) == 2 and numbers[0].fingerprint == numbers[1].fingerprint
    assert numbers[0].fingerprint == pan_fingerprint(b"f" * 32, "4111111111111111", ScryptCost(log2_n=8))
    assert numbers[0].fingerprint.startswith("s1$8$8$1$")
    assert by_type["card_security_code"].fingerprint == ""
    assert by_type["card_track_data"].fingerprint == ""


def test_the_fingerprinter_stops_after_its_budget_per_location() -> None:
    # given a budget of two numbers per file
    pans = PanFingerprinter(b"f" * 32, ScryptCost(log2_n=8), per_location=2)
    numbers = ["4111111111111111", "5555555555554444", "4012888888881881"]
    # when three numbers of one file and one of another are fingerprinted
    values = [pans(n, "a.log") for n in numbers] + [pans(numbers[2], "b.log")]
    # then the third of the first file gets none, the other file still gets its own
    assert values[0] and values[1] and values[2] == "" and values[3]


def test_a_list_is_matched_against_stored_fingerprints_without_hashing_unrelated_numbers() -> None:
    # given the fingerprint and mask stored for one found card
    key, cost = b"f" * 32, ScryptCost(log2_n=8)
    stored = pan_fingerprint(key, "4111111111111111", cost)
    # when a card company's list of three numbers is matched
    listed = ["5555555555554444", "4111-1111-1111-1111", "4012888888881881"]
    found = match_card_numbers(key, listed, {mask_card("4111111111111111")}, {stored})
    # then the second is found
    assert found == [(1, stored)]


def test_the_engine_does_not_import_django() -> None:
    # given a fresh interpreter that imports the whole engine (readers included)
    code = (
        "import sys, mamori.discovery.engine.scan, mamori.discovery.engine.output, mamori.discovery.cli;"
        "import mamori.discovery.engine.readers;"
        "print(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # then Django was never loaded
    assert result.stdout.strip() == "False"


def test_a_one_character_name_is_masked_whole():
    from mamori.discovery.engine.masking import mask_text

    assert mask_text("誠") == "*"
    assert mask_text("翔太") == "翔*"
