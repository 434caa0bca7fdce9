"""`mamori backup` and `mamori restore`: a verified round trip, and refusals that change nothing."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from mamori.accounts.models import User
from mamori.audit import chain, checkpoint
from mamori.audit.models import AuditEntry, ChainHead
from mamori.contractors.models import Contractor
from mamori.core import backup, keys
from mamori.core.models import Organisation

from .conftest import EVIDENCE, EVIDENCE_BYTES, Member, State, current_state, member, read_members

pytestmark = pytest.mark.django_db(transaction=True)


def assert_chain_intact() -> None:
    """Recompute every audit entry's hash from its fields and the previous hash (as `mamori audit verify`)."""
    previous = chain.GENESIS
    entries = list(AuditEntry.objects.order_by("seq"))
    for number, entry in enumerate(entries, start=1):
        values = {name: getattr(entry, name) for name in chain.HASHED_FIELDS}
        assert entry.seq == number
        assert entry.prev_hash == previous, f"entry {entry.seq} does not follow its predecessor"
        assert chain.entry_hash(values) == entry.hash, f"entry {entry.seq} was altered"
        previous = entry.hash
    head = ChainHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (entries[-1].seq, entries[-1].hash)
    _audit_verify(head)


def _audit_verify(head: ChainHead) -> None:
    """The audit app's own verifier (`mamori audit verify`), where this tree has it."""
    try:
        from mamori.audit import verify
    except ImportError:
        return
    rows = AuditEntry.objects.order_by("seq").values_list(*verify.ROW_FIELDS)
    result = verify.verify_chain(rows, verify.Head(head.seq, head.hash))
    assert result.ok, result.first_break


def restore_refused(path: Path) -> str:
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(path), "--yes")
    assert refused.value.returncode == 1
    return str(refused.value)


def assert_untouched(before: State) -> None:
    after = current_state()
    assert after.counts == before.counts
    assert after.files == before.files
    leftovers = [p.name for p in Path(settings.MEDIA_ROOT).parent.iterdir() if p.name.startswith(".")]
    assert leftovers == [], "a refused restore must not leave staging folders behind"


class TestRoundTrip:
    def test_restore_brings_back_rows_files_and_an_intact_audit_chain(self, demo_site, tmp_path):
        # given a backup of the demo organisation with one uploaded file
        result = backup.create_backup(tmp_path / "demo.tar.gz")
        archived = current_state()  # includes the audit entry that records the backup itself
        manager_hash = User.objects.get(username="manager").password
        created_at = list(AuditEntry.objects.order_by("seq").values_list("created_at", flat=True))
        # when data and files change after the backup
        Organisation.objects.update(name="変更後の会社名")
        # (the demo's users and contractors are referenced by kept records, so they are changed rather than deleted)
        User.objects.filter(username="staff").update(role="contractor")
        Contractor.objects.filter(name__contains="ロジスティクス").update(name="変更後の委託先")
        User.objects.create(username="later", role="staff")
        (Path(settings.MEDIA_ROOT) / EVIDENCE).unlink()
        (Path(settings.MEDIA_ROOT) / "later.txt").write_bytes(b"uploaded after the backup")
        # and the backup is restored
        call_command("restore", str(result.path), "--yes")
        # then rows, values and files are those of the backup
        after = current_state()
        assert after.files == {EVIDENCE: EVIDENCE_BYTES}
        expected_counts = dict(demo_site.counts)
        expected_counts["audit.auditentry"] += 1  # the restore entry; the backup's own entry is not in it
        assert after.counts == expected_counts
        assert archived.counts["audit.auditentry"] == demo_site.counts["audit.auditentry"] + 1
        assert Organisation.objects.get().name == "有限会社トイボックス浪速"
        assert User.objects.get(username="manager").password == manager_hash
        assert User.objects.get(username="staff").role == "staff"
        assert not User.objects.filter(username="later").exists()
        logistics = User.objects.select_related("contractor").get(username="logistics")
        assert logistics.contractor is not None and logistics.contractor.name == "株式会社関西ロジスティクス"
        # and the audit chain continues from the restored head, microseconds and all
        entries = list(AuditEntry.objects.order_by("seq"))
        assert [e.created_at for e in entries[:-1]] == created_at[: len(entries) - 1]
        assert entries[-1].action == "restore"
        assert result.sha256 in entries[-1].message
        assert_chain_intact()

    def test_new_records_after_a_restore_get_fresh_ids(self, backup_file):
        # given a restored backup
        call_command("restore", str(backup_file), "--yes")
        # when a record is created
        newest = Contractor.objects.latest("pk")
        created = Contractor.objects.create(name="新しい委託先")
        # then its id follows the restored ones (sequences were reset)
        assert created.pk > newest.pk

    def test_backup_is_recorded_in_the_audit_trail_with_the_archive_hash(self, demo_site, tmp_path):
        # when a backup is written
        result = backup.create_backup(tmp_path / "audit.tar.gz")
        # then the newest audit entry names the file and its SHA-256, and the archive is complete
        entry = AuditEntry.objects.latest("seq")
        assert entry.action == "backup"
        assert entry.object_repr == "audit.tar.gz"
        assert result.sha256 in entry.message
        assert backup.file_sha256(result.path) == (result.sha256, result.size)
        assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []
        assert_chain_intact()

    def test_manifest_lists_every_member_with_its_hash_counts_and_migrations(self, backup_file):
        # when the manifest is read
        members = {info.name: data for info, data in read_members(backup_file)}
        manifest = json.loads(members["manifest.json"])
        # then it describes the archive
        assert manifest["format"] == "mamori-backup" and manifest["format_version"] == 2
        assert set(manifest["members"]) == {"data/db.jsonl", "audit/checkpoint.json", "files/" + EVIDENCE}
        assert manifest["keys_included"] is False
        assert manifest["counts"]["accounts.user"] == 7
        assert "0001_initial" in manifest["migrations"]["audit"]
        assert "sessions.session" not in manifest["counts"]

    def test_backup_command_writes_a_dated_file_into_a_folder(self, demo_site, tmp_path, capsys):
        # when `mamori backup FOLDER` runs
        call_command("backup", str(tmp_path))
        # then one .tar.gz appears there, and its hash is printed
        written = list(tmp_path.glob("mamori-backup-*.tar.gz"))
        assert len(written) == 1
        assert backup.file_sha256(written[0])[0] in capsys.readouterr().out

    def test_verify_only_checks_the_archive_and_changes_nothing(self, backup_file, capsys):
        # given a change after the backup
        Organisation.objects.update(name="変更後の会社名")
        before = current_state()
        # when the archive is only verified
        call_command("restore", str(backup_file), "--verify-only")
        # then it is reported restorable and nothing changed
        assert "can be restored" in capsys.readouterr().out
        assert_untouched(before)
        assert Organisation.objects.get().name == "変更後の会社名"


class TestBackupDestination:
    def test_backup_inside_the_uploaded_files_folder_is_refused(self, demo_site):
        target = Path(settings.MEDIA_ROOT) / "self.tar.gz"
        with pytest.raises(CommandError) as refused:
            call_command("backup", str(target))
        assert refused.value.returncode == 1
        assert "inside MEDIA_ROOT" in str(refused.value)
        assert not target.exists()

    def test_an_existing_file_is_never_overwritten(self, demo_site, tmp_path):
        existing = tmp_path / "keep.tar.gz"
        existing.write_bytes(b"an older backup")
        with pytest.raises(CommandError) as refused:
            call_command("backup", str(existing))
        assert "already exists" in str(refused.value)
        assert existing.read_bytes() == b"an older backup"
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")) == []

    def test_a_file_name_that_is_not_a_tar_is_a_usage_error(self, demo_site, tmp_path):
        with pytest.raises(CommandError) as refused:
            call_command("backup", str(tmp_path / "backup.zip"))
        assert refused.value.returncode == 2


class TestRefusals:
    def test_restore_without_confirmation_is_a_usage_error(self, backup_file):
        before = current_state()
        with pytest.raises(CommandError) as refused:
            call_command("restore", str(backup_file))
        assert refused.value.returncode == 2
        assert "--yes" in str(refused.value)
        assert_untouched(before)

    def test_truncated_archive(self, backup_file, tmp_path):
        # given an archive cut off in the middle
        data = backup_file.read_bytes()
        truncated = tmp_path / "truncated.tar"
        truncated.write_bytes(data[: len(data) * 2 // 3])
        before = current_state()
        # then restore refuses it and nothing changes
        assert "truncated" in restore_refused(truncated)
        assert_untouched(before)

    def test_truncated_compressed_archive(self, demo_site, tmp_path):
        compressed = backup.create_backup(tmp_path / "whole.tar.gz").path
        data = compressed.read_bytes()
        truncated = tmp_path / "truncated.tar.gz"
        truncated.write_bytes(data[: len(data) // 2])
        before = current_state()
        assert "truncated or damaged" in restore_refused(truncated)
        assert_untouched(before)

    def test_altered_database_member(self, backup_file, rewrite):
        # given one byte of db.jsonl flipped inside the archive
        def flip(members: list[Member]) -> list[Member]:
            changed = []
            for info, data in members:
                if info.name == "data/db.jsonl":
                    middle = len(data) // 2
                    data = data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]
                changed.append((info, data))
            return changed

        before = current_state()
        # then restore names the member and the hashes
        message = restore_refused(rewrite(backup_file, flip))
        assert "member data/db.jsonl sha256 mismatch (expected " in message
        assert "damaged or was altered" in message and "nothing was changed" in message
        assert_untouched(before)

    def test_missing_manifest(self, backup_file, rewrite):
        before = current_state()
        message = restore_refused(rewrite(backup_file, lambda ms: [m for m in ms if m[0].name != "manifest.json"]))
        assert message.startswith("not a Mamori backup: manifest.json missing")
        assert_untouched(before)

    @pytest.mark.parametrize(
        ("extra", "expected"),
        [
            ("files/smuggled.txt", "member files/smuggled.txt is not listed in the manifest"),
            ("notes.txt", "'notes.txt' does not belong in a Mamori backup"),
        ],
    )
    def test_extra_member(self, backup_file, rewrite, extra, expected):
        before = current_state()
        message = restore_refused(rewrite(backup_file, lambda ms: [*ms, member(extra, b"not from mamori backup")]))
        assert expected in message
        assert_untouched(before)

    @pytest.mark.parametrize("name", ["../escaped.txt", "files/../../escaped.txt", "/tmp/escaped.txt"])
    def test_path_traversal(self, backup_file, rewrite, name, tmp_path):
        before = current_state()
        message = restore_refused(rewrite(backup_file, lambda ms: [member(name, b"escape"), *ms]))
        assert "unsafe path" in message
        assert_untouched(before)
        assert not (Path(settings.MEDIA_ROOT).parent.parent / "escaped.txt").exists()

    def test_symbolic_link_member(self, backup_file, rewrite):
        def add_link(members: list[Member]) -> list[Member]:
            info, _ = member("files/link", b"")
            info.type, info.linkname = b"2", "/etc/passwd"  # tarfile.SYMTYPE
            return [*members, (info, b"")]

        before = current_state()
        assert "is a symbolic link" in restore_refused(rewrite(backup_file, add_link))
        assert_untouched(before)

    def test_backup_from_a_different_migration_state(self, backup_file, rewrite):
        # given a backup whose database had a migration this installation does not have
        def future(members: list[Member]) -> list[Member]:
            changed = []
            for info, data in members:
                if info.name == "manifest.json":
                    manifest = json.loads(data)
                    manifest["migrations"]["audit"].append("0099_from_the_future")
                    data = json.dumps(manifest).encode()
                changed.append((info, data))
            return changed

        before = current_state()
        # then restore lists the difference and changes nothing
        message = restore_refused(rewrite(backup_file, future))
        assert "the backup has migrations this installation has not: audit.0099_from_the_future" in message
        assert_untouched(before)

    def test_not_a_tar_archive(self, demo_site, tmp_path):
        junk = tmp_path / "junk.tar.gz"
        junk.write_bytes(b"this is not an archive" * 100)
        before = current_state()
        assert restore_refused(junk).startswith("not a Mamori backup:")
        assert_untouched(before)

    def test_rows_that_fail_to_load_leave_database_and_files_untouched(self, backup_file, rewrite):
        # given a consistent archive (hashes match) whose rows break a foreign key
        def dangling(members: list[Member]) -> list[Member]:
            rows = dict(members)[next(i for i, _ in members if i.name == "data/db.jsonl")]
            lines = rows.decode().splitlines()
            for n, line in enumerate(lines):
                row = json.loads(line)
                if row["model"] == "incidents.caseaccess":
                    row["fields"]["case_id"] = 999_999
                    lines[n] = json.dumps(row, ensure_ascii=False)
            new_rows = ("\n".join(lines) + "\n").encode()
            out = []
            for info, data in members:
                if info.name == "data/db.jsonl":
                    data = new_rows
                if info.name == "manifest.json":
                    manifest = json.loads(data)
                    manifest["members"]["data/db.jsonl"] = {
                        "sha256": hashlib.sha256(new_rows).hexdigest(),
                        "size": len(new_rows),
                    }
                    data = json.dumps(manifest).encode()
                out.append((info, data))
            return out

        Organisation.objects.update(name="変更後の会社名")
        before = current_state()
        # then the load is rolled back and the files folder was never swapped
        message = restore_refused(rewrite(backup_file, dangling))
        assert "constraint" in message or "cannot be stored" in message
        assert_untouched(before)
        assert Organisation.objects.get().name == "変更後の会社名"


def test_cli_prints_one_clear_line_and_exits_1_for_a_damaged_backup(tmp_path):
    # given a file that claims to be a backup
    damaged = tmp_path / "damaged.tar"
    damaged.write_bytes(b"\0" * 10)
    env = {**os.environ, "MAMORI_DATA_DIR": str(tmp_path / "data"), "DEBUG": "1"}
    env.pop("DATABASE_URL", None)
    # when the real command runs
    done = subprocess.run(
        [sys.executable, "-m", "mamori.cli", "restore", str(damaged), "--yes"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    # then it exits 1 with a message and no traceback
    assert done.returncode == 1, done.stderr
    assert "not a Mamori backup" in done.stderr
    assert "Traceback" not in done.stderr


def audit_rows_cut(keep: int) -> Callable[[list[Member]], list[Member]]:
    """Archive surgery: keep the first ``keep`` audit entries, move the chain head back to the last one, and
    fix the manifest's hashes and counts, as someone editing a backup would."""

    def cut(members: list[Member]) -> list[Member]:
        data = next(d for i, d in members if i.name == "data/db.jsonl")
        lines, kept_hash = [], None
        for line in data.decode().splitlines():
            row = json.loads(line)
            if row["model"] == "audit.auditentry":
                if int(row["fields"]["seq"]) > keep:
                    continue
                if int(row["fields"]["seq"]) == keep:
                    kept_hash = row["fields"]["hash"]
            lines.append(row)
        for row in lines:
            if row["model"] == "audit.chainhead":
                row["fields"].update(seq=keep, hash=kept_hash)
        new_rows = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines).encode()
        out = []
        for info, body in members:
            if info.name == "data/db.jsonl":
                body = new_rows
            if info.name == "manifest.json":
                manifest = json.loads(body)
                manifest["members"]["data/db.jsonl"] = {
                    "sha256": hashlib.sha256(new_rows).hexdigest(),
                    "size": len(new_rows),
                }
                manifest["counts"]["audit.auditentry"] = keep
                body = json.dumps(manifest).encode()
            out.append((info, body))
        return out

    return cut


def key_files() -> dict[str, bytes]:
    folder = Path(settings.DATA_DIR) / "keys"
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.is_dir() else {}


class TestAuditCheckpointAndKeys:
    def test_a_backup_holds_the_signed_checkpoint_of_its_head_and_no_keys_by_default(self, demo_site, tmp_path, capsys):
        # given an installation with key files
        keys.load(keys.SECRETS, create=True)
        assert "audit.key" in key_files() and "secrets.key" in key_files()
        # when `mamori backup` runs without --include-keys
        call_command("backup", str(tmp_path / "plain.tar"))
        # then the archive has the checkpoint of the head it holds, no key files, and the output says so
        members = {info.name: data for info, data in read_members(tmp_path / "plain.tar")}
        assert not [name for name in members if name.startswith("keys/")]
        manifest = json.loads(members["manifest.json"])
        signed = checkpoint.parse(members["audit/checkpoint.json"], [checkpoint.signing_key()])
        assert (signed.seq, signed.hash) == (manifest["audit_head"]["seq"], manifest["audit_head"]["hash"])
        assert signed.count == manifest["counts"]["audit.auditentry"]
        assert "key files NOT included" in capsys.readouterr().out

    def test_a_backup_whose_audit_rows_were_cut_is_refused(self, backup_file, rewrite):
        # given an archive from which the last audit entries were removed and every hash fixed up
        entries = AuditEntry.objects.count()
        tampered = rewrite(backup_file, audit_rows_cut(entries - 3))
        assert backup.verify_backup(tampered)  # the manifest itself is consistent again
        before = current_state()
        # then restore refuses it against the signed checkpoint and changes nothing
        message = restore_refused(tampered)
        assert "its audit trail was cut short or rewritten (truncated" in message
        assert "nothing was changed" in message
        assert_untouched(before)

    def test_a_backup_whose_checkpoint_was_altered_is_refused(self, backup_file, rewrite):
        def lower(members: list[Member]) -> list[Member]:
            out = []
            for info, body in members:
                if info.name == "audit/checkpoint.json":
                    saved = json.loads(body)
                    saved["seq"] = saved["count"] = 1
                    body = json.dumps(saved).encode()
                if info.name == "manifest.json":
                    manifest = json.loads(body)
                    manifest["members"].pop("audit/checkpoint.json")
                    body = json.dumps(manifest).encode()
                out.append((info, body))
            return [m if m[0].name != "manifest.json" else fix_manifest(m, out) for m in out]

        before = current_state()
        message = restore_refused(rewrite(backup_file, lower))
        assert "audit checkpoint is not valid" in message and "signature does not match" in message
        assert_untouched(before)

    def test_a_backup_without_its_checkpoint_is_refused(self, backup_file, rewrite):
        def strip(members: list[Member]) -> list[Member]:
            kept = [m for m in members if m[0].name != "audit/checkpoint.json"]
            out = []
            for info, body in kept:
                if info.name == "manifest.json":
                    manifest = json.loads(body)
                    manifest["members"].pop("audit/checkpoint.json")
                    body = json.dumps(manifest).encode()
                out.append((info, body))
            return out

        assert "does not list the audit checkpoint" in restore_refused(rewrite(backup_file, strip))

    def test_backup_is_refused_when_the_live_trail_fell_behind_its_checkpoint(self, demo_site, tmp_path):
        # given the newest audit entries deleted and the head moved back, behind the application's back
        last = AuditEntry.objects.order_by("-seq")[1]
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditentry WHERE seq > %s", [last.seq])
            cursor.execute("UPDATE audit_chainhead SET seq = %s, hash = %s", [last.seq, last.hash])
        # when a backup is asked for
        with pytest.raises(CommandError) as refused:
            call_command("backup", str(tmp_path / "laundered.tar"))
        # then none is written: it would sign the truncated trail
        assert "no longer matches its checkpoint (truncated" in str(refused.value)
        assert not (tmp_path / "laundered.tar").exists()

    def test_include_keys_round_trip(self, demo_site, tmp_path, capsys):
        # given key files, and a backup made with --include-keys
        keys.load(keys.SECRETS, create=True)
        original = key_files()
        call_command("backup", str(tmp_path / "with-keys.tar"), "--include-keys")
        assert "key files included: audit.key, secrets.key" in capsys.readouterr().out
        members = {info.name for info, _ in read_members(tmp_path / "with-keys.tar")}
        assert {"keys/audit.key", "keys/secrets.key"} <= members
        # when the keys are lost and the backup is restored
        shutil.rmtree(Path(settings.DATA_DIR) / "keys")
        call_command("restore", str(tmp_path / "with-keys.tar"), "--yes")
        # then the keys are back, readable by the owner only, and the trail verifies against the checkpoint
        assert key_files() == original
        folder = Path(settings.DATA_DIR) / "keys"
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert {stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()} == {0o600}
        assert "Key files restored: audit.key, secrets.key" in capsys.readouterr().out
        assert checkpoint.read() is not None
        assert_chain_intact()

    def test_a_different_key_here_is_not_replaced_without_yes(self, demo_site, tmp_path):
        # given a backup with keys, then this installation's secrets key replaced by another
        keys.load(keys.SECRETS, create=True)
        backup.create_backup(tmp_path / "with-keys.tar", include_keys=True)
        secrets_key = Path(settings.DATA_DIR) / "keys" / "secrets.key"
        secrets_key.write_text("another key\n")
        # when restoring without permission to replace keys, it is refused and nothing changes
        with pytest.raises(backup.BackupRefused, match=r"differ from this installation's \(secrets.key\)"):
            backup.restore_backup(tmp_path / "with-keys.tar")
        assert secrets_key.read_text() == "another key\n"
        # and with it, the backup's key is written and the other one kept aside
        result = backup.restore_backup(tmp_path / "with-keys.tar", replace_keys=True)
        assert secrets_key.read_text() != "another key\n"
        (kept,) = result.keys_set_aside
        assert (secrets_key.parent / kept).read_text() == "another key\n"

    def test_a_backup_signed_with_another_audit_key_needs_that_key(self, backup_file, monkeypatch):
        # given this installation's audit key differs from the one that signed the backup
        key_file = checkpoint.AUDIT_KEY.path()
        original = key_file.read_text().strip()
        key_file.write_text("b" * 64 + "\n")
        before = current_state()
        # when restored, it is refused
        assert "signed with another audit key" in restore_refused(backup_file)
        assert_untouched(before)
        # and with the signing installation's key given, it is restored and checked
        monkeypatch.setenv("MAMORI_AUDIT_KEY", original)
        result = backup.restore_backup(backup_file)
        assert "reaches the backup's signed checkpoint" in result.checkpoint_note

    def test_a_fresh_installation_without_an_audit_key_restores_and_says_the_signature_was_unchecked(self, backup_file):
        # given the audit key and checkpoint are not there (a new machine)
        checkpoint.AUDIT_KEY.path().unlink()
        checkpoint.checkpoint_path().unlink()
        # when restored
        result = backup.restore_backup(backup_file)
        # then the trail was compared with the checkpoint's values, the note says the signature was not, and a
        # new key signs the live checkpoint
        assert "signature could not be checked" in result.checkpoint_note
        assert checkpoint.read() is not None

    def test_restore_moves_the_live_checkpoint_back_to_the_restored_trail(self, backup_file):
        # given activity after the backup moved the checkpoint on
        Contractor.objects.create(name="後から登録")
        services_record_many(5)
        ahead = checkpoint.read()
        # when the older backup is restored
        call_command("restore", str(backup_file), "--yes")
        # then the checkpoint follows the restored trail (plus the restore entry), and the chain verifies
        now = checkpoint.read()
        assert ahead is not None and now is not None and now.seq < ahead.seq
        assert now.seq == AuditEntry.objects.latest("seq").seq
        assert_chain_intact()


def services_record_many(n: int) -> None:
    from mamori.accounts.policy import SYSTEM
    from mamori.audit import services

    for number in range(n):
        services.record(SYSTEM, "note", message=f"after the backup {number}")


def fix_manifest(manifest_member: Member, members: list[Member]) -> Member:
    """The manifest with the changed checkpoint member's hash written back in (a consistent forgery)."""
    info, body = manifest_member
    manifest = json.loads(body)
    data = next(d for i, d in members if i.name == "audit/checkpoint.json")
    manifest["members"]["audit/checkpoint.json"] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    return info, json.dumps(manifest).encode()
