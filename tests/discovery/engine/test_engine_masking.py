"""Masking and fingerprints: what a finding may show of the value it found."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from mamori.discovery.engine.detectors import Detector
from mamori.discovery.engine.masking import fingerprint, mask_card, mask_digits, mask_email, mask_phone


def test_card_mask_keeps_at_most_the_first_six_and_last_four() -> None:
    assert mask_card("4111111111111111") == "411111******1111"
    assert mask_card("４１１１－１１１１－１１１１－１１１１") == "411111******1111"
    assert mask_card("378282246310005") == "378282*****0005"


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
    # given the same card written two ways
    found = Detector(b"key-1").scan_text("4111-1111-1111-1111 and ４１１１１１１１１１１１１１１１")
    # then both have the same fingerprint, which is HMAC-SHA256 of the digits
    assert {f.fingerprint for f in found} == {fingerprint(b"key-1", "4111111111111111")}
    assert len(found[0].fingerprint) == 64


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
