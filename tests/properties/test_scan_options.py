"""`mamori scan` options: any command line gives parsed options or one clear usage error (exit status 2) —
never a traceback — and sizes read back as written."""

from __future__ import annotations

import argparse

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mamori.discovery.cli import UsageError, build_parser, main, parse_size

UNITS = {"": 1, "k": 1024, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
OPTIONS = ["--max-file-size", "--workers", "--types", "--fail-on", "--format", "--batch-size", "--sample-rows"]
WORDS = st.one_of(
    st.text(max_size=12),
    st.from_regex(r"-?[0-9]{1,25}(\.[0-9]{0,3})?[kKmMgGtT]?i?[bB]?", fullmatch=True),
    st.sampled_from(["high", "low", "medium", "critical", "card_number", "email,phone", "json", "table", ""]),
)


@given(st.text(max_size=30))
def test_a_size_is_bytes_or_a_usage_error(text):
    try:
        size = parse_size(text)
    except argparse.ArgumentTypeError as refused:
        assert "invalid size" in str(refused)
        return
    assert isinstance(size, int) and size >= 0


@given(st.integers(min_value=0, max_value=10**6), st.sampled_from(sorted(UNITS)))
def test_a_size_reads_back(number, unit):
    assert parse_size(f"{number}{unit}") == number * UNITS[unit]
    assert parse_size(f"{number} {unit}B" if unit else f"{number}") == number * UNITS[unit]


@given(st.lists(st.tuples(st.sampled_from(OPTIONS), WORDS), max_size=4))
def test_any_option_values_parse_or_give_one_usage_error(pairs):
    argv = [word for option, value in pairs for word in (option, value)] + ["."]
    try:
        build_parser().parse_args(argv)
    except UsageError as refused:
        assert str(refused)
    except SystemExit as exit_:  # pragma: no cover - argparse must not exit on its own
        raise AssertionError(f"argparse exited ({exit_.code}) for {argv!r}") from exit_


@given(st.lists(st.tuples(st.sampled_from(OPTIONS), WORDS), min_size=1, max_size=3))
def test_the_command_answers_bad_options_with_status_2(pairs):
    argv = [word for option, value in pairs for word in (option, value)] + ["/nonexistent/mamori-property-test"]
    assert main(argv) == 2


@pytest.mark.parametrize("argv", [["--max-file-size", "1e9"], ["--workers", "0"], ["--types", ",,"]])
def test_known_bad_options_are_usage_errors(argv):
    assert main([*argv, "."]) == 2
