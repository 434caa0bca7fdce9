"""``mamori audit verify`` and ``mamori audit head``: check the hash chain, print its head for safe keeping."""

from __future__ import annotations

import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from django.utils import timezone
from tqdm import tqdm

from mamori.audit import queries
from mamori.audit.verify import Break, BreakKind, EntryRef, VerifyResult, verify_chain

BROKEN = 1
EXPECT = re.compile(r"^(\d+):([0-9a-f]{64})$")


class Command(BaseCommand):
    help = "Audit trail (監査証跡) tools: 'verify' checks the whole hash chain, 'head' prints its last entry's hash."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{verify,head}")
        verify = sub.add_parser(
            "verify",
            help="recompute every hash and link; exit 1 naming the first entry that was changed",
            description="Recompute every audit entry's hash and link in sequence order and compare the end with "
            "the chain head. Exits 0 when intact, 1 at the first break (edited, deleted, inserted, reordered "
            "or truncated), naming the entry.",
        )
        verify.add_argument("--quiet", action="store_true", help="print nothing when the chain is intact")
        verify.add_argument(
            "--expect",
            metavar="SEQ:HASH",
            help="also check that entry SEQ still has HASH (a value saved earlier with 'mamori audit head')",
        )
        verify.add_argument("--database", default="default", help="database alias (default: default)")
        head = sub.add_parser("head", help="print the last entry's sequence number, hash and time")
        head.add_argument("--database", default="default", help="database alias (default: default)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["subcommand"] == "head":
                self._head(options["database"])
            else:
                self._verify(options["database"], options["quiet"], options.get("expect"))
        except DatabaseError as error:
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise CommandError(
                f"cannot read the audit trail: {first_line} (is the database reachable and migrated? "
                "run `mamori check`)",
                returncode=2,
            ) from None

    def _head(self, using: str) -> None:
        head = queries.read_head(using)
        if head is None or head.seq == 0:
            self.stdout.write("0 (the audit trail is empty)")
            return
        entry = queries.entry_at(head.seq, using)
        when = _when(entry.created_at) if entry else "entry missing"
        self.stdout.write(f"{head.seq} {head.hash} {when}")

    def _verify(self, using: str, quiet: bool, expect: str | None) -> None:
        expected = _parse_expect(expect) if expect else None
        reader = queries.ChainReader(using)
        show_progress = not quiet and self.stderr.isatty()
        rows = tqdm(
            reader.rows(),
            total=reader.count() if show_progress else None,
            unit=" entries",
            desc="verifying",
            disable=not show_progress,
            file=self.stderr._out,
            mininterval=0.5,
        )
        result = verify_chain(rows, reader.head)
        rows.close()
        if result.first_break is None and expected is not None:
            result = _check_expected(result, expected, using)
        if result.first_break is not None:
            self.stderr.write(_broken_line(result.first_break, using))
            raise SystemExit(BROKEN)
        if not quiet:
            self.stdout.write(
                f"chain intact: {result.checked} entries, last #{result.last_seq} hash {result.last_hash}"
            )


def _parse_expect(text: str) -> tuple[int, str]:
    match = EXPECT.match(text.strip().lower())
    if not match:
        raise CommandError(f"--expect {text!r}: give SEQ:HASH, e.g. 1234:{'0' * 64} (see 'mamori audit head')")
    return int(match.group(1)), match.group(2)


def _check_expected(result: VerifyResult, expected: tuple[int, str], using: str) -> VerifyResult:
    seq, wanted = expected
    entry = queries.entry_at(seq, using)
    if entry is None:
        found = Break(BreakKind.TRUNCATED, seq, None, f"entry #{seq} from the saved head is no longer in the chain")
    elif entry.hash != wanted:
        ref = EntryRef(entry.pk, entry.seq, entry.created_at, entry.action, entry.actor_username)
        found = Break(BreakKind.EDITED, seq, ref, "its hash differs from the saved head: the chain was rewritten")
    else:
        return result
    return VerifyResult(result.checked, result.last_seq, result.last_hash, result.head, found)


def _broken_line(found: Break, using: str) -> str:
    ref = found.entry
    if ref is None and found.kind is not BreakKind.TRUNCATED:
        entry = queries.entry_at(found.seq, using)
        if entry is not None:
            ref = EntryRef(entry.pk, entry.seq, entry.created_at, entry.action, entry.actor_username)
    if ref is not None:
        where = f"entry #{ref.seq} (id {ref.id}, {_when(ref.created_at)}, {ref.action} by {ref.actor_username})"
    else:
        where = f"entry #{found.seq}"
    if found.kind is BreakKind.DELETED and ref is not None and ref.seq != found.seq:
        where = f"#{found.seq}, just before {where}"
    return f"audit chain broken: {found.kind} at {where}: {found.detail}"


def _when(value: Any) -> str:
    try:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S %Z")
    except (TypeError, ValueError, AttributeError):
        return str(value)
