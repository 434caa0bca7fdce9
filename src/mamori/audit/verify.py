"""Checking the audit trail's hash chain and naming the first break. Pure: rows in, a result out.

Rows are tuples in ``ROW_FIELDS`` order (the entry's id, its ``HASHED_FIELDS``, its stored hash), in
ascending ``seq`` order. The break kinds are defined in docs/audit.md; the rules below implement them,
tried in this order at the first entry ``r`` that does not follow the last good entry ``p``:

1. edited: ``r`` points at ``p`` (or is the first entry) but its content no longer matches its hash
   (inserted instead when the entry after ``r`` points at ``p`` too: ``r`` was slipped in with a made-up hash).
2. deleted: ``r.seq`` skips numbers after ``p`` (a gap): the skipped entries were removed.
3. inserted: ``r.seq`` repeats ``p.seq`` (the one of the two that the next entry does not point at is named),
   or is below the next expected number (only possible before entry 1).
4. reordered: ``r`` points at an entry that comes later in ``seq`` order.
5. inserted: the entry after ``r`` points at ``p``, so ``r`` sits between two linked entries.
6. inserted: ``r`` and ``p`` point at the same predecessor: ``p`` was slipped in and later ones renumbered.
7. edited: ``r``'s hash is intact, the entry after it points at ``r``, but ``r`` points at a hash that is
   not ``p``'s: ``p`` was rewritten together with its hash.
8. deleted: ``r``'s hash matches if its ``seq`` were higher: entries before it were removed and the rest
   renumbered. (inserted when it matches a lower ``seq``.)
9. edited: ``r``'s content and its link were both changed.
10. inserted: ``r``'s hash is intact but it points at an unknown entry: it was forged in place.

After the last entry, the chain head (the ``ChainHead`` row) must name the last entry: a head ahead of it
means entries were cut off the end (truncated), a head behind it means entries were appended without
moving the head (inserted), the same number with another hash means the last entry was rewritten (edited).

``check_anchors`` then compares an intact chain with heads kept outside the table (the signed checkpoint,
witness heads): fewer entries or a lower last entry than a head names is truncated, another hash at its
number is edited.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mamori.audit.chain import GENESIS, HASHED_FIELDS, values_hash

ROW_FIELDS: tuple[str, ...] = ("id", *HASHED_FIELDS, "hash")
ID, SEQ, PREV, HASH = 0, 1, len(ROW_FIELDS) - 2, len(ROW_FIELDS) - 1
CREATED_AT = ROW_FIELDS.index("created_at")
ACTION = ROW_FIELDS.index("action")
ACTOR = ROW_FIELDS.index("actor_username")
# How far from its stored seq a renumbered entry's original seq is looked for (only after a break is found).
RENUMBER_WINDOW = 1000

Row = Sequence[Any]


class BreakKind(enum.StrEnum):
    EDITED = "edited"
    DELETED = "deleted"
    INSERTED = "inserted"
    REORDERED = "reordered"
    TRUNCATED = "truncated"


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str


@dataclass(frozen=True)
class EntryRef:
    """The entry a break names: enough to find it in the UI and the database."""

    id: Any
    seq: int
    created_at: Any
    action: str
    actor_username: str

    @classmethod
    def of(cls, row: Row) -> EntryRef:
        return cls(row[ID], row[SEQ], row[CREATED_AT], row[ACTION], row[ACTOR])


@dataclass(frozen=True)
class Break:
    kind: BreakKind
    seq: int  # the sequence number of the entry named (for deletions: the first missing number)
    entry: EntryRef | None  # the entry named, when it is still in the table
    detail: str  # why, in one sentence


@dataclass(frozen=True)
class Anchor:
    """A head that the chain must still contain: from the checkpoint, a witness or ``--expect``."""

    seq: int
    hash: str
    count: int
    source: str  # "the checkpoint", "the witness", "the saved head"


@dataclass(frozen=True)
class VerifyResult:
    checked: int  # entries that were verified before the first break (all of them when intact)
    last_seq: int
    last_hash: str
    head: Head | None
    first_break: Break | None

    @property
    def ok(self) -> bool:
        return self.first_break is None


def row_hash(row: Row) -> str:
    return values_hash(row[SEQ:HASH])


def verify_chain(rows: Iterable[Row], head: Head | Callable[[], Head | None] | None = None) -> VerifyResult:
    """Recompute every hash and link; return the count and the first break, if any.

    ``head`` may be a callable: it is called after the last row, so that a streaming reader can read the
    head after catching up with entries appended while it ran.
    """
    expected_seq, expected_prev, previous, checked = 1, GENESIS, None, 0
    remaining = iter(rows)
    for row in remaining:
        if row[SEQ] == expected_seq and row[PREV] == expected_prev and row_hash(row) == row[HASH]:
            previous, checked = row, checked + 1
            expected_seq, expected_prev = expected_seq + 1, row[HASH]
            continue
        found = _classify(row, previous, remaining, expected_seq, expected_prev)
        return VerifyResult(checked, expected_seq - 1, expected_prev, _resolve(head), found)
    final_head = _resolve(head)
    return VerifyResult(checked, expected_seq - 1, expected_prev, final_head, _check_head(final_head, previous))


def _resolve(head: Head | Callable[[], Head | None] | None) -> Head | None:
    return head() if callable(head) else head


def _classify(row: Row, previous: Row | None, remaining: Iterator[Row], seq: int, prev_hash: str) -> Break:
    """Why ``row`` does not follow ``previous`` (rules 1-10 of the module docstring)."""
    hash_ok = row_hash(row) == row[HASH]
    if row[PREV] == prev_hash and not hash_ok:
        following = next(remaining, None)
        if following is not None and following[PREV] == prev_hash:
            return _named(BreakKind.INSERTED, row, f"entry #{following[SEQ]} also follows {_before(seq)}, skipping it")
        return _named(BreakKind.EDITED, row, "its content no longer matches its hash")
    if row[SEQ] > seq:
        missing = f"entry #{seq} is" if row[SEQ] == seq + 1 else f"entries #{seq} to #{row[SEQ] - 1} are"
        return Break(BreakKind.DELETED, seq, EntryRef.of(row), f"{missing} missing before this entry")
    if previous is not None and row[SEQ] == previous[SEQ]:
        return _duplicate(row, previous, remaining)
    if row[SEQ] < seq:
        return _named(BreakKind.INSERTED, row, f"its sequence number is below {seq}, where the chain starts")
    following, later_seq = _look_ahead(remaining, row[PREV])
    if later_seq is not None:
        return _named(BreakKind.REORDERED, row, f"it follows entry #{later_seq}, which comes after it")
    if following is not None and following[PREV] == prev_hash:
        return _named(BreakKind.INSERTED, row, f"entry #{following[SEQ]} follows {_before(seq)} directly")
    if previous is not None and row[PREV] == previous[PREV]:
        return _named(BreakKind.INSERTED, previous, f"it and entry #{row[SEQ]} both claim the same predecessor")
    if hash_ok and previous is not None and following is not None and following[PREV] == row[HASH]:
        return _named(
            BreakKind.EDITED, previous, f"it was rewritten with a new hash; entry #{seq} still links to the old one"
        )
    if not hash_ok:
        return _renumbered_or_edited(row)
    return _named(BreakKind.INSERTED, row, f"it does not link to {_before(seq)}")


def _duplicate(row: Row, previous: Row, remaining: Iterator[Row]) -> Break:
    """Two entries with one sequence number: the forged one is the one the next entry does not link to."""
    following = next(remaining, None)
    forged = previous if following is not None and following[PREV] == row[HASH] else row
    return _named(BreakKind.INSERTED, forged, f"it repeats sequence number #{row[SEQ]} of another entry")


def _look_ahead(remaining: Iterator[Row], wanted_hash: str) -> tuple[Row | None, int | None]:
    """The row after the break, and the seq of a later row whose hash is ``wanted_hash`` (if any)."""
    following = next(remaining, None)
    if following is None:
        return None, None
    if following[HASH] == wanted_hash:
        return following, following[SEQ]
    for candidate in remaining:
        if candidate[HASH] == wanted_hash:
            return following, candidate[SEQ]
    return following, None


def _renumbered_or_edited(row: Row) -> Break:
    values = list(row[SEQ:HASH])
    for offset in range(1, RENUMBER_WINDOW + 1):
        for original in (row[SEQ] + offset, row[SEQ] - offset):
            values[0] = original
            if values_hash(values) == row[HASH]:
                if original > row[SEQ]:
                    why = "entries before it were removed and the rest renumbered"
                    return _named(BreakKind.DELETED, row, f"it was entry #{original}: {why}")
                why = "entries were added before it and the rest renumbered"
                return _named(BreakKind.INSERTED, row, f"it was entry #{original}: {why}")
    return _named(BreakKind.EDITED, row, "its content and its link to the previous entry were changed")


def _check_head(head: Head | None, last: Row | None) -> Break | None:
    last_seq = last[SEQ] if last is not None else 0
    if head is None:
        if last is None:
            return None
        return _named(BreakKind.DELETED, last, "the chain head record is missing")
    if head.seq > last_seq:
        missing = f"entry #{head.seq} is" if head.seq == last_seq + 1 else f"entries #{last_seq + 1} to #{head.seq} are"
        return Break(
            BreakKind.TRUNCATED,
            last_seq + 1,
            None,
            f"{missing} missing from the end; the chain head names #{head.seq}",
        )
    if head.seq < last_seq:
        return Break(
            BreakKind.INSERTED,
            head.seq + 1,
            None,
            f"entries after #{head.seq} were added without moving the chain head",
        )
    if last is not None and head.hash != last[HASH]:
        return _named(BreakKind.EDITED, last, "the last entry's hash differs from the chain head's")
    return None


def _before(seq: int) -> str:
    return "the start of the chain" if seq == 1 else f"entry #{seq - 1}"


def _named(kind: BreakKind, row: Row, detail: str) -> Break:
    return Break(kind, row[SEQ], EntryRef.of(row), detail)


def check_anchors(result: VerifyResult, anchors: Iterable[Anchor], hashes: Mapping[int, str]) -> Break | None:
    """The first anchor (lowest ``seq``) that an intact chain no longer contains.

    ``hashes`` maps each anchor's ``seq`` to the hash the chain has there (collected while streaming).
    Fewer entries or a lower last entry than an anchor names is **truncated** (an empty trail included);
    another hash at the anchor's number means the chain was rewritten there or before (**edited**).
    """
    for anchor in sorted(anchors, key=lambda a: a.seq):
        if anchor.seq > result.last_seq or anchor.count > result.checked:
            return Break(BreakKind.TRUNCATED, result.last_seq + 1, None, _shorter(result, anchor))
        if anchor.seq > 0 and hashes.get(anchor.seq) != anchor.hash:
            why = f"its hash differs from {anchor.source}'s: the chain was rewritten at or before this entry"
            return Break(BreakKind.EDITED, anchor.seq, None, why)
    return None


def _shorter(result: VerifyResult, anchor: Anchor) -> str:
    names = f"{anchor.source} names entry #{anchor.seq} ({anchor.count} entries)"
    if result.checked == 0:
        return f"the audit trail is empty, but {names}"
    if anchor.seq > result.last_seq:
        first, last = result.last_seq + 1, anchor.seq
        missing = f"entry #{first} is" if first == last else f"entries #{first} to #{last} are"
        return f"{missing} missing from the end; {names}"
    return f"the trail holds {result.checked} entries, but {names}"
