from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mamori.core import backup

USAGE_ERROR = 2
REFUSED = 1


class Command(BaseCommand):
    help = (
        "Write a consistent backup of the database and the uploaded files to one .tar.gz (or .tar) file "
        "with a manifest of SHA-256 hashes and the signed audit checkpoint. The key files under "
        "$MAMORI_DATA_DIR/keys/ are left out unless --include-keys is given. DESTINATION is a file name or a "
        "folder (default: $MAMORI_DATA_DIR/backups/)."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("destination", nargs="?", help="backup file (.tar.gz or .tar) or folder to write it in")
        parser.add_argument(
            "--no-compress", action="store_true", help="write a plain .tar when DESTINATION is a folder"
        )
        parser.add_argument(
            "--include-keys",
            action="store_true",
            help="also store the key files (secrets, fingerprint and audit keys); keep such a backup as safe as "
            "the keys themselves",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        destination = self._destination(options["destination"], compress=not options["no_compress"])
        try:
            result = backup.create_backup(
                destination, progress=sys.stderr.isatty(), include_keys=options["include_keys"]
            )
        except backup.BackupError as exc:
            raise CommandError(f"backup failed: {exc}; no backup file was written", returncode=REFUSED) from None
        except OSError as exc:
            raise CommandError(
                f"backup failed: {exc.strerror or exc} ({exc.filename or destination}); no backup file was written",
                returncode=REFUSED,
            ) from None
        self.stdout.write(self.style.SUCCESS(f"Backup written: {result.path}"))
        self.stdout.write(f"  {result.rows} rows, {result.files} files, {result.size} bytes")
        self.stdout.write(f"  sha256 {result.sha256}  (also recorded in the audit trail)")
        if options["include_keys"]:
            names = ", ".join(result.keys) or "none found"
            self.stdout.write(
                f"  key files included: {names}. Anyone holding this backup can decrypt the stored secrets: "
                "keep it as safe as the keys. Keys set in environment variables are never included."
            )
        else:
            self.stdout.write(
                "  key files NOT included (the default): keep a copy of $MAMORI_DATA_DIR/keys/ apart from the "
                "backups, or use --include-keys"
            )

    def _destination(self, given: str | None, *, compress: bool) -> Path:
        if not given:
            folder = Path(settings.DATA_DIR) / "backups"
            folder.mkdir(parents=True, exist_ok=True)
            return folder / backup.default_backup_name(compress)
        path = Path(given).expanduser()
        if path.is_dir() or given.endswith(("/", "\\")):
            if not path.is_dir():
                raise CommandError(f"folder {path} does not exist", returncode=USAGE_ERROR)
            return path / backup.default_backup_name(compress)
        if not path.name.endswith((".tar", ".tar.gz", ".tgz")):
            raise CommandError(
                f"{path.name}: a backup file name must end in .tar.gz or .tar (or give a folder)",
                returncode=USAGE_ERROR,
            )
        return path
