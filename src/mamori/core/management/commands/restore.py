from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mamori.core import backup

USAGE_ERROR = 2
REFUSED = 1


class Command(BaseCommand):
    help = (
        "Restore a backup written by `mamori backup`: checks every member against the manifest's SHA-256 "
        "hashes and the migrations against this database first, then replaces ALL data and uploaded files. "
        "Stop the web server and the worker before restoring."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup_file", help="the .tar.gz or .tar file written by `mamori backup`")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="do not ask: replace the current data (and key files that differ, when the backup holds keys)",
        )
        parser.add_argument("--verify-only", action="store_true", help="only check the archive; change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["backup_file"]).expanduser()
        progress = sys.stderr.isatty()
        try:
            if options["verify_only"]:
                self._verify(path, progress)
                return
            self._confirm(path, options["yes"])
            result = backup.restore_backup(path, progress=progress, replace_keys=options["yes"])
        except backup.BackupRefused as exc:
            raise CommandError(str(exc), returncode=REFUSED) from None
        except OSError as exc:
            raise CommandError(
                f"restore failed: {exc.strerror or exc} ({exc.filename or path}) — nothing was changed",
                returncode=REFUSED,
            ) from None
        self.stdout.write(self.style.SUCCESS(f"Restored {result.path.name}"))
        self.stdout.write(
            f"  created {result.created_at} by Mamori {result.mamori_version}: {result.rows} rows, {result.files} files"
        )
        self.stdout.write(f"  sha256 {result.sha256}")
        self.stdout.write(f"  {result.checkpoint_note}")
        if result.keys:
            self.stdout.write(f"  Key files restored: {', '.join(result.keys)}")
        if result.keys_set_aside:
            self.stdout.write(f"  Different key files that were here were kept as: {', '.join(result.keys_set_aside)}")
        self.stdout.write("  Everyone has been signed out. The restore is recorded in the audit trail.")

    def _verify(self, path: Path, progress: bool) -> None:
        verified = backup.verify_backup(path, progress=progress)
        problems = backup.migration_differences(verified.manifest)
        self.stdout.write(f"{path.name}: every member matches its SHA-256 in the manifest")
        self.stdout.write(f"  {backup.summary(verified.manifest)}")
        self.stdout.write(f"  sha256 {verified.sha256}")
        if problems:
            raise CommandError("this database cannot take the backup: " + "; ".join(problems), returncode=REFUSED)
        self.stdout.write(self.style.SUCCESS("  It can be restored into this database."))

    def _confirm(self, path: Path, yes: bool) -> None:
        if yes:
            return
        if not sys.stdin.isatty():
            raise CommandError(
                "restore replaces ALL data and uploaded files; run again with --yes to confirm",
                returncode=USAGE_ERROR,
            )
        answer = input(f"Replace ALL data and uploaded files with the contents of {path.name}? Type 'restore': ")
        if answer.strip() != "restore":
            raise CommandError("restore cancelled; nothing was changed", returncode=USAGE_ERROR)
