"""Ledger import cells (台帳の取り込み): whatever a spreadsheet cell holds, the cell parsers give a value in range
or a BadValue with a message — never another exception — and what they read back is what was written."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from mamori.ledger.importing import BadValue, cell_text, parse_count, parse_date, parse_yes_no, split_list

# What openpyxl or the CSV reader can hand over for one cell.
CELLS = st.one_of(
    st.none(),
    st.text(),
    st.text(alphabet="0123456789/-.年月日令和平成昭和元RHS ,約件名万千"),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.datetimes(),
)
DATES = st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2199, 12, 31))


@given(CELLS)
def test_a_date_cell_is_a_date_in_range_none_or_a_clear_refusal(cell):
    try:
        value = parse_date(cell)
    except BadValue as refused:
        assert str(refused)
        return
    assert value is None or isinstance(value, dt.date)
    if value is not None and not isinstance(cell, dt.date):
        assert 1900 <= value.year <= 2200


@given(DATES)
def test_a_date_written_the_usual_ways_reads_back(day):
    # given a date as written on Japanese sheets; when read; then the same day
    for text in (day.strftime("%Y/%m/%d"), day.isoformat(), f"{day.year}年{day.month}月{day.day}日"):
        assert parse_date(text) == day, text


@given(DATES)
def test_an_excel_serial_reads_back_as_its_day(day):
    serial = (day - dt.date(1899, 12, 30)).days
    assert parse_date(serial) == day
    assert parse_date(float(serial) + 0.5) == day  # a time of day on the same date


@given(CELLS)
def test_a_count_cell_is_a_count_in_range_none_or_a_clear_refusal(cell):
    try:
        value = parse_count(cell)
    except BadValue as refused:
        assert str(refused)
        return
    except (OverflowError, ValueError) as error:  # pragma: no cover - the property is that this never happens
        raise AssertionError(f"{cell!r}: {error!r}") from error
    assert value is None or (isinstance(value, int) and value >= 0)


@given(st.integers(min_value=0, max_value=2_000_000_000))
def test_an_approximate_count_reads_back(count):
    assert parse_count(f"{count:,}") == count
    assert parse_count(f"約{count}件") == count
    assert parse_count(str(count)) == count


@given(CELLS)
def test_a_yes_no_cell_is_true_false_none_or_a_clear_refusal(cell):
    try:
        value = parse_yes_no(cell)
    except BadValue as refused:
        assert str(refused)
        return
    assert value in (True, False, None)


@given(CELLS)
def test_cell_text_and_lists_never_fail(cell):
    text = cell_text(cell)
    assert isinstance(text, str)
    assert all(part and part == part.strip() for part in split_list(cell))
