"""``verify_chain``: the pure check over rows, and the break kind and entry it names for each tampering."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from mamori.audit import chain
from mamori.audit.verify import HASH, PREV, SEQ, BreakKind, Head, verify_chain

START = dt.datetime(2026, 11, 28, 3, 0, tzinfo=dt.UTC)


def make_rows(n: int) -> list[list[Any]]:
    """A valid chain of ``n`` rows in ``ROW_FIELDS`` order (id = 100 + seq)."""
    rows, previous = [], chain.GENESIS
    for seq in range(1, n + 1):
        values = [seq, START + dt.timedelta(seconds=seq), None, "system", "system", "cli", "", "", "note"]
        values += ["test.thing", str(seq), f"thing {seq}", {"name": [None, f"n{seq}"]}, f"entry {seq}", previous]
        previous = chain.values_hash(values)
        rows.append([100 + seq, *values, previous])
    return rows


def head_of(rows: list[list[Any]]) -> Head:
    return Head(rows[-1][SEQ], rows[-1][HASH])


def test_an_untouched_chain_is_intact_and_reports_count_and_last_hash():
    # given
    rows = make_rows(10)
    # when
    result = verify_chain(rows, head_of(rows))
    # then
    assert result.ok and result.checked == 10
    assert (result.last_seq, result.last_hash) == (10, rows[-1][HASH])


def test_an_empty_trail_without_head_is_intact():
    assert verify_chain([], None).ok


def test_a_changed_field_is_named_as_edited():
    # given
    rows = make_rows(10)
    rows[4][13] = "something else"  # the message of entry #5
    # when
    found = verify_chain(rows, head_of(rows)).first_break
    # then
    assert found is not None and found.kind == BreakKind.EDITED
    assert found.seq == 5 and found.entry is not None and found.entry.id == 105


def test_a_changed_before_value_in_changes_is_named_as_edited():
    rows = make_rows(5)
    rows[1][12] = {"name": ["tampered", "n2"]}
    found = verify_chain(rows, head_of(rows)).first_break
    assert found is not None and (found.kind, found.seq) == (BreakKind.EDITED, 2)


def test_a_removed_entry_is_named_as_deleted_with_the_missing_number():
    # given
    rows = make_rows(10)
    head = head_of(rows)
    del rows[3]  # entry #4
    # when
    found = verify_chain(rows, head).first_break
    # then
    assert found is not None and (found.kind, found.seq) == (BreakKind.DELETED, 4)
    assert found.entry is not None and found.entry.seq == 5 and "#4" in found.detail


def test_removing_the_first_entry_is_a_deletion_too():
    rows = make_rows(3)
    head = head_of(rows)
    found = verify_chain(rows[1:], head).first_break
    assert found is not None and (found.kind, found.seq) == (BreakKind.DELETED, 1)


def test_a_deletion_hidden_by_renumbering_is_still_a_deletion():
    # given entry #4 removed and the later entries renumbered down by one
    rows = make_rows(8)
    del rows[3]
    for row in rows[3:]:
        row[SEQ] -= 1
    # when
    found = verify_chain(rows, head_of(rows)).first_break
    # then
    assert found is not None and (found.kind, found.seq) == (BreakKind.DELETED, 4)
    assert "was entry #5" in found.detail


def test_a_forged_entry_slipped_in_with_valid_hash_and_renumbering_is_named_as_inserted():
    # given a forged entry #4 that links correctly, the old #4… renumbered up by one
    rows = make_rows(8)
    forged_values = list(rows[3][SEQ:HASH])
    forged_values[13] = "forged"
    forged = [999, *forged_values, chain.values_hash(forged_values)]
    for row in rows[3:]:
        row[SEQ] += 1
    rows.insert(3, forged)
    # when
    found = verify_chain(rows, head_of(rows)).first_break
    # then
    assert found is not None and found.kind == BreakKind.INSERTED
    assert found.entry is not None and (found.entry.id, found.seq) == (999, 4)


def test_a_forged_entry_with_a_wrong_link_in_place_of_a_gap_is_named_as_inserted():
    # given entry #4 replaced by a forgery: the chain around it links past it
    rows = make_rows(8)
    values = list(rows[3][SEQ:HASH])
    values[13], values[-1] = "forged", "f" * 64
    rows[3] = [999, *values, chain.values_hash(values)]
    # when
    found = verify_chain(rows, head_of(rows)).first_break
    # then
    assert found is not None and found.kind == BreakKind.INSERTED and found.seq == 4


def test_a_forged_entry_with_a_made_up_hash_slipped_in_is_inserted_not_edited():
    # given a forgery at #4 linking to #3 but with a made-up hash, the old #4… renumbered up by one
    rows = make_rows(8)
    head = head_of(rows)
    forged = [999, *rows[3][SEQ:HASH], "e" * 64]
    forged[13] = "forged"
    for row in rows[3:]:
        row[SEQ] += 1
    rows.insert(3, forged)
    # when
    found = verify_chain(rows, head).first_break
    # then
    assert found is not None and found.kind == BreakKind.INSERTED
    assert found.entry is not None and (found.entry.id, found.seq) == (999, 4)
    assert "entry #5 also follows entry #3" in found.detail


@pytest.mark.parametrize("forged_first", [True, False])
def test_a_forged_entry_sharing_a_sequence_number_is_inserted(forged_first):
    # given a valid-looking forgery with the same number as entry #4 (no renumbering)
    rows = make_rows(8)
    head = head_of(rows)
    values = list(rows[3][SEQ:HASH])
    values[13] = "forged"
    forged = [999, *values, chain.values_hash(values)]
    rows.insert(3 if forged_first else 4, forged)
    # when
    found = verify_chain(rows, head).first_break
    # then the forgery is named, whichever of the two comes first
    assert found is not None and found.kind == BreakKind.INSERTED
    assert found.entry is not None and (found.entry.id, found.seq) == (999, 4)
    assert "repeats sequence number #4" in found.detail


def test_an_entry_appended_without_moving_the_head_is_named_as_inserted():
    # given
    rows = make_rows(6)
    head = head_of(rows)
    values = [7, START, None, "mallory", "", "web", "", "", "login", "", "", "", {}, "", rows[-1][HASH]]
    rows.append([999, *values, chain.values_hash(values)])
    # when
    found = verify_chain(rows, head).first_break
    # then
    assert found is not None and (found.kind, found.seq) == (BreakKind.INSERTED, 7)


def test_two_swapped_sequence_numbers_are_named_as_reordered():
    # given entries #3 and #4 swapped their sequence numbers
    rows = make_rows(8)
    rows[2][SEQ], rows[3][SEQ] = 4, 3
    rows[2], rows[3] = rows[3], rows[2]
    # when
    found = verify_chain(rows, head_of(sorted(rows, key=lambda r: r[SEQ]))).first_break
    # then the entry now at #3 (formerly #4, id 104) is out of order
    assert found is not None and (found.kind, found.seq) == (BreakKind.REORDERED, 3)
    assert found.entry is not None and found.entry.id == 104


def test_entries_moved_far_apart_are_reordered_too():
    rows = make_rows(20)
    rows[1][SEQ], rows[15][SEQ] = 16, 2
    rows.sort(key=lambda r: r[SEQ])
    found = verify_chain(rows, Head(20, rows[-1][HASH])).first_break
    assert found is not None and (found.kind, found.seq) == (BreakKind.REORDERED, 2)


def test_cutting_entries_off_the_end_is_named_as_truncated():
    # given
    rows = make_rows(10)
    head = head_of(rows)
    # when
    found = verify_chain(rows[:7], head).first_break
    # then
    assert found is not None and (found.kind, found.seq) == (BreakKind.TRUNCATED, 8)
    assert "#8 to #10" in found.detail


def test_rewriting_an_entry_with_a_fresh_hash_names_that_entry_as_edited():
    # given entry #5 changed and re-hashed, but #6 still links to the old hash
    rows = make_rows(10)
    values = list(rows[4][SEQ:HASH])
    values[13] = "rewritten"
    rows[4][-1] = chain.values_hash(values)
    rows[4][13] = "rewritten"
    # when
    found = verify_chain(rows, head_of(rows)).first_break
    # then
    assert found is not None and (found.kind, found.seq) == (BreakKind.EDITED, 5)


def test_a_last_entry_rewritten_with_a_fresh_hash_disagrees_with_the_head():
    rows = make_rows(4)
    head = head_of(rows)
    values = list(rows[3][SEQ:HASH])
    values[13] = "rewritten"
    rows[3] = [rows[3][0], *values, chain.values_hash(values)]
    found = verify_chain(rows, head).first_break
    assert found is not None and (found.kind, found.seq) == (BreakKind.EDITED, 4)


def test_the_head_can_be_read_after_the_rows_were_streamed():
    rows = make_rows(3)
    assert verify_chain(iter(rows), lambda: head_of(rows)).ok


def test_a_link_changed_to_point_elsewhere_is_not_intact():
    rows = make_rows(5)
    rows[2][PREV] = "a" * 64
    found = verify_chain(rows, head_of(rows)).first_break
    assert found is not None and found.seq == 3


def test_the_fast_encoder_writes_the_same_canonical_json_as_the_standard_one():
    # given values with non-ASCII text, nesting, unsorted keys, floats, escapes and nulls
    values = [
        1,
        START,
        None,
        "山田",
        "",
        "web",
        "",
        "",
        "update",
        "x.y",
        "7",
        '名簿 "A"\n',
        {"b": [1.5, None], "a": {"z": True, "é": "\u2028"}},
        "",
        chain.GENESIS,
    ]
    # when
    fast = chain.canonical_values(values)
    # then
    standard = json.dumps(
        [values[0], "2026-11-28T03:00:00.000000+00:00", *values[2:]],
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    ).encode()
    assert fast == standard
