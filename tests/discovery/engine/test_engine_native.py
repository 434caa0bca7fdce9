"""The C speed-ups and their pure-Python versions give the same answers."""

from __future__ import annotations

import os
import random

import pytest

from mamori.discovery.engine import native
from mamori.discovery.engine.checks import CARD_LENGTHS_BY_HEAD, card_brand, luhn_ok
from mamori.discovery.engine.matcher import CARD_RUN, get_matcher

needs_native = pytest.mark.skipif(not native.available, reason="the C speed-ups were not built")


def _digit_log(seed: int, lines: int = 4000) -> bytearray:
    """Log lines dense with digit runs of every length and start, some after `<digit>.`."""
    rng = random.Random(seed)
    out = []
    for n in range(lines):
        run = str(rng.randint(2, 6)) + "".join(rng.choice("0123456789") for _ in range(rng.randint(11, 19)))
        sep = rng.choice([" id=", " ", ".", "7.", "\n", "=x"])
        out.append(f"2018-06-{n % 28 + 1:02d} INFO{sep}{run} amount={rng.randint(1, 99999)}\n")
    return bytearray("".join(out).encode("ascii"))


@pytest.mark.skipif(os.environ.get("MAMORI_REQUIRE_SERVICES") != "1", reason="only CI must have a C compiler")
def test_the_c_speedups_are_built_where_ci_runs() -> None:
    # CI installs with a compiler: a failed build must not pass unnoticed there.
    assert native.available or os.environ.get("MAMORI_SCAN_NATIVE") == "0"


@needs_native
@pytest.mark.parametrize(("start", "stop"), [(0, 10**9), (5, 5000), (100, 50), (-3, 20)])
def test_lines_are_counted_alike(start: int, stop: int) -> None:
    data = _digit_log(1)
    assert native._native.count_lines(data, start, stop) == native.py_count_lines(data, max(start, 0), stop)


@needs_native
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_digit_runs_are_kept_alike(seed: int) -> None:
    # given every digit run the prefilter reports in a dense log, plus offsets that end no run
    data = _digit_log(seed)
    ends = [end for end, family in get_matcher().hit_families(data) if family == CARD_RUN]
    ends += [0, 1, 7, len(data), len(data) + 5]
    # when each version picks the runs that may be card numbers
    in_c = native._native.card_run_candidates(data, ends, native.LENGTHS_TABLE)
    in_python = native.py_card_run_candidates(data, ends)
    # then they agree, and both keep some runs and drop others
    assert in_c == in_python
    assert 0 < len(in_python) < len(ends)


def test_a_kept_run_has_an_allowed_length_and_passes_luhn() -> None:
    # given runs that are and are not card numbers
    good = "4111111111111111"
    cases = {
        f"x {good} y": True,
        "x 4111111111111112 y": False,  # Luhn fails
        "x 201809281966718548 y": False,  # an 18-digit order number starting 20
        f"w:78.{good}% ": False,  # a decimal fraction
    }
    for text, expected in cases.items():
        data = text.encode("ascii")
        end = text.index(" y") if " y" in text else text.index("%")
        # when / then
        assert (native.card_run_candidates(data, [end], native.LENGTHS_TABLE) == [end]) is expected, text


def test_every_card_length_of_the_brand_table_is_allowed_for_its_start() -> None:
    for head, sizes in CARD_LENGTHS_BY_HEAD.items():
        mask = native.LENGTHS_TABLE[int(head)]
        assert {size for size in range(13, 20) if mask >> (size - 13) & 1} == {s for s in sizes if 13 <= s <= 19}


def test_the_table_never_drops_a_valid_test_card() -> None:
    for number in ("378282246310005", "3566002020360505", "5555555555554444", "2223003122003222", "6011111111111117"):
        assert luhn_ok(number) and card_brand(number)
        data = f"pan {number} ok".encode()
        assert native.py_card_run_candidates(data, [4 + len(number)]) == [4 + len(number)]


@needs_native
def test_plain_text_is_judged_alike() -> None:
    # given every single byte, alone and inside text, and texts of printable ASCII with tabs and line breaks
    samples: list[bytes | bytearray] = [b"", b"plain text\twith\r\nbreaks\x0cand a form feed\n", bytearray(b"abc")]
    for byte in range(256):
        samples += [bytes([byte]), b"card 4111 1111 1111 1111 " + bytes([byte]) + b" tail\n"]
    for sample in samples:
        # when / then the C and the Python version agree
        assert native._native.plain_text(sample) == native.py_plain_text(sample), sample
    assert native.py_plain_text(samples[1]) and not native.py_plain_text(b"\x1b$B")
