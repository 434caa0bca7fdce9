"""The chain head anchored outside the table: a signed checkpoint file, `mamori audit head` and witnesses."""

from __future__ import annotations

import io
import json
import stat

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from mamori.accounts.policy import SYSTEM
from mamori.audit import chain, checkpoint, services
from mamori.audit.models import AuditEntry

from .conftest import sql
from .test_verify_command import verify


def head_line() -> str:
    out = io.StringIO()
    call_command("audit", "head", stdout=out)
    return out.getvalue().strip()


def rewrite_tail_consistently(entries: list[AuditEntry]) -> None:
    """What a database administrator can do unseen by the chain alone: change the last entry, rehash, move the head."""
    values = {name: getattr(entries[-1], name) for name in chain.HASHED_FIELDS}
    values["message"] = "rewritten"
    new_hash = chain.entry_hash(values)
    sql("UPDATE {table} SET message = %s, hash = %s WHERE seq = %s", ["rewritten", new_hash, entries[-1].seq])
    sql("UPDATE audit_chainhead SET hash = %s", [new_hash])


class TestCheckpointFile:
    def test_verify_anchors_an_intact_trail_in_a_private_signed_file(self, chain_of):
        # given a trail that has never been anchored
        entries = chain_of(3)
        # when it is verified
        code, out, _ = verify()
        # then a checkpoint names its head, readable by the owner only
        path = checkpoint.checkpoint_path()
        assert code == 0 and "a checkpoint was written" in out
        saved = json.loads(path.read_text())
        assert (saved["seq"], saved["hash"], saved["count"]) == (3, entries[-1].hash, 3)
        assert saved["time"] and len(saved["signature"]) == 64
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700

    @pytest.mark.django_db(transaction=True)
    def test_each_committed_transaction_moves_the_checkpoint_once(self, monkeypatch):
        # given a counter of checkpoint writes
        writes: list[int] = []
        original = checkpoint._write
        monkeypatch.setattr(
            checkpoint, "_write", lambda path, made, key: (writes.append(made.seq), original(path, made, key))
        )
        # when one transaction records 50 entries, and another single entry is recorded
        with transaction.atomic():
            for number in range(50):
                services.record(SYSTEM, "note", message=f"bulk {number}")
        services.record(SYSTEM, "note", message="single")
        # then the file was written once per commit and names the newest entry
        assert writes == [50, 51]
        assert checkpoint.read() is not None and checkpoint.read().seq == 51  # type: ignore[union-attr]

    @pytest.mark.django_db(transaction=True)
    def test_an_entry_rolled_back_with_its_change_is_never_anchored(self):
        # given one committed entry
        services.record(SYSTEM, "note", message="kept")
        # when a later entry's transaction rolls back
        with pytest.raises(RuntimeError), transaction.atomic():
            services.record(SYSTEM, "note", message="rolled back")
            raise RuntimeError("the change failed")
        # then the checkpoint still names the committed head, and verification passes
        saved = checkpoint.read()
        assert saved is not None and saved.seq == 1
        assert verify()[0] == 0

    @pytest.mark.django_db(transaction=True)
    def test_an_entry_in_a_savepoint_that_rolls_back_is_not_anchored(self):
        # given a transaction that records one entry, then one more inside a savepoint that fails
        with transaction.atomic():
            services.record(SYSTEM, "note", message="kept")
            with pytest.raises(RuntimeError), transaction.atomic():
                services.record(SYSTEM, "note", message="rolled back")
                raise RuntimeError("the inner change failed")
        # then the checkpoint names the kept entry only
        saved = checkpoint.read()
        assert saved is not None and saved.seq == 1
        assert verify()[0] == 0

    def test_the_checkpoint_never_goes_backwards(self, chain_of):
        # given a checkpoint at #5
        entries = chain_of(5)
        checkpoint.advance(5, entries[4].hash)
        # when a slower writer arrives with #3
        written = checkpoint.advance(3, entries[2].hash)
        # then it is ignored
        saved = checkpoint.read()
        assert written is False and saved is not None and saved.seq == 5


class TestVerifyAgainstTheCheckpoint:
    def test_an_empty_trail_with_a_checkpoint_fails(self, chain_of):
        # given an anchored trail
        chain_of(3)
        assert verify()[0] == 0
        # when every audit row and the chain head are deleted with SQL
        sql("DELETE FROM {table}")
        sql("DELETE FROM audit_chainhead")
        # then verification fails and says the trail is empty
        code, out, err = verify()
        assert code == 1 and out == ""
        assert err.startswith("audit chain broken: truncated at entry #1: the audit trail is empty, ")
        assert "the checkpoint names entry #3 (3 entries)" in err

    def test_entries_cut_off_the_end_with_the_head_moved_back_fail(self, chain_of):
        # given an anchored trail of 6
        entries = chain_of(6)
        assert verify()[0] == 0
        # when the last three rows are deleted and the head is moved back to match (the chain alone is intact)
        sql("DELETE FROM {table} WHERE seq > 3")
        sql("UPDATE audit_chainhead SET seq = 3, hash = %s", [entries[2].hash])
        # then the checkpoint shows the truncation
        code, _, err = verify()
        assert code == 1
        assert "truncated at entry #4: entries #4 to #6 are missing from the end; the checkpoint names entry #6" in err

    def test_a_consistently_rewritten_tail_fails_against_the_checkpoint(self, chain_of):
        # given an anchored trail
        entries = chain_of(3)
        assert verify()[0] == 0
        # when the last entry is rewritten with a fresh hash and the head moved along
        rewrite_tail_consistently(entries)
        # then the checkpoint's hash is no longer in the chain
        code, _, err = verify()
        assert code == 1
        assert f"edited at entry #3 (id {entries[2].pk}" in err and "differs from the checkpoint's" in err

    def test_a_tampered_checkpoint_signature_fails(self, chain_of):
        # given an anchored trail of 4
        chain_of(4)
        assert verify()[0] == 0
        # when someone lowers the checkpoint's number to match a truncated trail, without the key
        path = checkpoint.checkpoint_path()
        saved = json.loads(path.read_text())
        saved["seq"] = saved["count"] = 2
        path.write_text(json.dumps(saved))
        # then verification refuses the checkpoint
        code, _, err = verify()
        assert code == 1 and err.startswith("audit checkpoint rejected: the checkpoint's signature does not match")

    def test_a_checkpoint_whose_key_is_gone_fails_rather_than_being_re_signed(self, chain_of):
        # given an anchored trail
        chain_of(2)
        assert verify()[0] == 0
        # when the audit key file is removed
        checkpoint.AUDIT_KEY.path().unlink()
        # then verification cannot trust the checkpoint, and no new key was made to sign over it
        code, _, err = verify()
        assert code == 1 and "audit checkpoint rejected" in err and "audit key is missing" in err
        assert not checkpoint.AUDIT_KEY.path().exists()

    def test_reset_re_signs_at_the_current_head_and_is_recorded(self, chain_of):
        # given a trail truncated after it was anchored (found, investigated)
        entries = chain_of(4)
        assert verify()[0] == 0
        sql("DELETE FROM {table} WHERE seq = 4")
        sql("UPDATE audit_chainhead SET seq = 3, hash = %s", [entries[2].hash])
        # when an operator re-anchors
        out = io.StringIO()
        call_command("audit", "checkpoint", "--reset", stdout=out)
        # then the reset is the newest entry, it names the old checkpoint, and the chain verifies again
        reset = AuditEntry.objects.latest("seq")
        assert (reset.seq, reset.action) == (4, "checkpoint_reset") and '"seq": 4' in reset.message
        assert "re-signed at #4" in out.getvalue()
        assert verify()[0] == 0


class TestHeadAndWitness:
    def test_head_prints_one_line_of_json(self, chain_of):
        # given
        entries = chain_of(2)
        # when
        head = json.loads(head_line())
        # then
        assert head["seq"] == 2 and head["hash"] == entries[-1].hash and head["count"] == 2
        assert head["time"] == entries[-1].created_at.isoformat(timespec="microseconds").replace("Z", "+00:00")

    def test_head_of_an_empty_trail(self, db):
        assert json.loads(head_line()) == {"seq": 0, "hash": chain.GENESIS, "time": None, "count": 0}

    def test_a_witnessed_head_that_is_still_in_the_chain_passes(self, chain_of):
        # given a head saved by a witness, then more entries
        chain_of(3)
        saved = head_line()
        chain_of(2)
        # when
        code, out, _ = verify("--witness", saved)
        # then
        assert code == 0 and "1 witness head(s) found" in out

    def test_a_witness_file_catches_a_rewrite_the_checkpoint_file_would_miss(self, chain_of, tmp_path):
        # given heads mailed to a witness on two days
        chain_of(2)
        witness = tmp_path / "heads.jsonl"
        witness.write_text(head_line() + "\n")
        entries = chain_of(1)
        witness.write_text(witness.read_text() + head_line() + "\n")
        # when the database and the data directory are rewritten together (the checkpoint re-signed too)
        rewrite_tail_consistently(entries)
        checkpoint.replace(3, AuditEntry.objects.get(seq=3).hash, 3)
        # then only the witness notices
        code, _, err = verify("--witness", str(witness))
        assert code == 1 and "edited at entry #3" in err and "differs from the witness's" in err

    def test_a_witnessed_head_beyond_the_trail_is_truncation(self, chain_of):
        chain_of(2)
        saved = json.loads(head_line())
        sql("DELETE FROM {table} WHERE seq = 2")
        sql("UPDATE audit_chainhead SET seq = 1, hash = %s", [AuditEntry.objects.get(seq=1).hash])
        checkpoint.replace(1, AuditEntry.objects.get(seq=1).hash, 1)
        code, _, err = verify("--witness", json.dumps(saved))
        assert code == 1 and "truncated at entry #2" in err and "the witness names entry #2" in err

    @pytest.mark.parametrize("given", ['{"seq": "x"}', "missing-file.jsonl"])
    def test_an_unusable_witness_is_a_clear_error(self, chain_of, given):
        chain_of(1)
        with pytest.raises(CommandError, match="--witness"):
            call_command("audit", "verify", "--witness", given)
