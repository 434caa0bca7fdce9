"""``mamori audit verify``, ``head`` and ``checkpoint``: check the hash chain against its anchors, print its head
for an external witness, re-anchor after an investigation."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from django.utils import timezone
from tqdm import tqdm

from mamori.accounts.policy import SYSTEM
from mamori.audit import checkpoint, queries, services
from mamori.audit.chain import GENESIS
from mamori.audit.verify import HASH, SEQ, Anchor, Break, BreakKind, EntryRef, VerifyResult, check_anchors, verify_chain

BROKEN = 1
EXPECT = re.compile(r"^(\d+):([0-9a-f]{64})$")


class Command(BaseCommand):
    help = (
        "Audit trail (監査証跡) tools: 'verify' checks the whole hash chain and its checkpoint, 'head' prints "
        "the last entry as one line of JSON for an external witness, 'checkpoint' shows or re-signs the checkpoint."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{verify,head,checkpoint}")
        verify = sub.add_parser(
            "verify",
            help="recompute every hash and link; exit 1 naming the first entry that was changed",
            description="Recompute every audit entry's hash and link in sequence order, compare the end with "
            "the chain head and the signed checkpoint under the data directory, and check any witness heads. "
            "Exits 0 when intact, 1 at the first break (edited, deleted, inserted, reordered or truncated) "
            "or when the checkpoint's signature does not match.",
        )
        verify.add_argument("--quiet", action="store_true", help="print nothing when the chain is intact")
        verify.add_argument(
            "--expect",
            metavar="SEQ:HASH",
            help="also check that entry SEQ still has HASH (a value saved earlier with 'mamori audit head')",
        )
        verify.add_argument(
            "--witness",
            metavar="FILE_OR_JSON",
            help="also check heads saved earlier from 'mamori audit head': a file with one JSON line per head, "
            "or the JSON itself",
        )
        verify.add_argument("--database", default="default", help="database alias (default: default)")
        head = sub.add_parser("head", help="print the last entry's sequence number, hash, time and the entry count")
        head.add_argument("--database", default="default", help="database alias (default: default)")
        anchor = sub.add_parser(
            "checkpoint",
            help="print the signed checkpoint; --reset re-signs it at the current head",
            description="Print the checkpoint. With --reset, verify the chain on its own and sign a new "
            "checkpoint at its head, even if that is behind the old one (after an investigation, or when the "
            "audit key was lost). The reset is recorded in the trail with the old checkpoint's values.",
        )
        anchor.add_argument("--reset", action="store_true", help="re-sign the checkpoint at the current head")
        anchor.add_argument("--database", default="default", help="database alias (default: default)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["subcommand"] == "head":
                self._head(options["database"])
            elif options["subcommand"] == "checkpoint":
                self._checkpoint(options["database"], options["reset"])
            else:
                anchors = _witness_anchors(options.get("witness"), options.get("expect"))
                self._verify(options["database"], options["quiet"], anchors)
        except DatabaseError as error:
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise CommandError(
                f"cannot read the audit trail: {first_line} (is the database reachable and migrated? "
                "run `mamori check`)",
                returncode=2,
            ) from None

    def _head(self, using: str) -> None:
        head = queries.read_head(using)
        count = queries.ChainReader(using).count()
        if head is None or head.seq == 0:
            self.stdout.write(checkpoint.head_json(0, GENESIS, None, count))
            return
        entry = queries.entry_at(head.seq, using)
        when = _utc(entry.created_at) if entry else None
        self.stdout.write(checkpoint.head_json(head.seq, head.hash, when, count))

    def _verify(self, using: str, quiet: bool, witnesses: list[Anchor]) -> None:
        # Read before the rows: every entry a checkpoint names was committed before it was written.
        saved = self._read_checkpoint()
        anchors = [*witnesses]
        if saved is not None:
            anchors.append(Anchor(saved.seq, saved.hash, saved.count, "the checkpoint"))
        result, hashes = self._stream(using, quiet, {a.seq for a in anchors})
        found = result.first_break or check_anchors(result, anchors, hashes)
        if found is not None:
            self.stderr.write(_broken_line(found, using))
            raise SystemExit(BROKEN)
        written = _advance(result)
        if not quiet:
            anchored = "a checkpoint was written" if saved is None and written else "checkpoint matches"
            if saved is None and not written:
                anchored = "no checkpoint yet (the trail is empty)"
            extra = f", {len(witnesses)} witness head(s) found" if witnesses else ""
            self.stdout.write(
                f"chain intact: {result.checked} entries, last #{result.last_seq} hash {result.last_hash}; "
                f"{anchored}{extra}"
            )

    def _read_checkpoint(self) -> checkpoint.Checkpoint | None:
        try:
            return checkpoint.read()
        except checkpoint.CheckpointInvalid as exc:
            self.stderr.write(
                f"audit checkpoint rejected: {exc} ({checkpoint.checkpoint_path()}). Investigate who could write "
                "the data directory; after that, `mamori audit checkpoint --reset` signs a new one."
            )
            raise SystemExit(BROKEN) from None

    def _stream(self, using: str, quiet: bool, wanted: set[int]) -> tuple[VerifyResult, dict[int, str]]:
        reader = queries.ChainReader(using)
        show_progress = not quiet and self.stderr.isatty()
        rows, hashes = checkpoint.hashes_at(reader.rows(), wanted, SEQ, HASH)
        bar = tqdm(
            rows,
            total=reader.count() if show_progress else None,
            unit=" entries",
            desc="verifying",
            disable=not show_progress,
            file=self.stderr._out,
            mininterval=0.5,
        )
        result = verify_chain(bar, reader.head)
        bar.close()
        return result, hashes

    def _checkpoint(self, using: str, reset: bool) -> None:
        path = checkpoint.checkpoint_path()
        if not reset:
            try:
                saved = checkpoint.read()
            except checkpoint.CheckpointInvalid as exc:
                raise CommandError(f"audit checkpoint rejected: {exc} ({path})", returncode=BROKEN) from None
            if saved is None:
                self.stdout.write(f"no checkpoint yet ({path})")
            else:
                self.stdout.write(checkpoint.head_json(saved.seq, saved.hash, saved.time, saved.count))
            return
        result, _ = self._stream(using, True, set())
        if result.first_break is not None:
            self.stderr.write(_broken_line(result.first_break, using))
            raise CommandError("the chain itself is broken; the checkpoint was left as it was", returncode=BROKEN)
        self._reset(path, result)

    def _reset(self, path: Path, result: VerifyResult) -> None:
        try:
            old = path.read_text(encoding="utf-8").strip()[:500]
        except OSError:
            old = "(none)"
        entry = services.record(
            SYSTEM, "checkpoint_reset", object_type="audit.checkpoint", message=f"previous checkpoint: {old}"
        )
        made = checkpoint.replace(entry.seq, entry.hash, result.checked + 1)
        self.stdout.write(f"checkpoint re-signed at #{made.seq} ({path}); the reset is recorded in the trail")


def _advance(result: VerifyResult) -> bool:
    """Move the checkpoint up to the verified head (never back); a failure to write is not a broken chain."""
    if result.last_seq == 0:
        return False
    try:
        return checkpoint.advance(result.last_seq, result.last_hash, result.checked)
    except (checkpoint.CheckpointInvalid, OSError):
        return False


def _witness_anchors(witness: str | None, expect: str | None) -> list[Anchor]:
    anchors = []
    if expect:
        seq, wanted = _parse_expect(expect)
        anchors.append(Anchor(seq, wanted, 0, "the saved head"))
    if witness:
        text = witness if witness.lstrip().startswith("{") else _read_witness_file(witness)
        try:
            anchors += checkpoint.parse_witness(text)
        except ValueError as exc:
            raise CommandError(f"--witness: {exc}", returncode=2) from None
    return anchors


def _read_witness_file(name: str) -> str:
    try:
        return Path(name).expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = getattr(exc, "strerror", None) or str(exc)
        raise CommandError(f"--witness {name}: cannot read the file ({why})", returncode=2) from None


def _parse_expect(text: str) -> tuple[int, str]:
    match = EXPECT.match(text.strip().lower())
    if not match:
        raise CommandError(f"--expect {text!r}: give SEQ:HASH, e.g. 1234:{'0' * 64} (see 'mamori audit head')")
    return int(match.group(1)), match.group(2)


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


def _utc(value: Any) -> str:
    return str(value.astimezone(dt.UTC).isoformat(timespec="microseconds"))


def _when(value: Any) -> str:
    try:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S %Z")
    except (TypeError, ValueError, AttributeError):
        return str(value)
