"""``mamori ledger import FILE`` and ``mamori ledger export FILE``: the ledger spreadsheet from the console.

The same checks as the import page; the operator at the console acts as the system actor.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mamori.accounts.policy import SYSTEM
from mamori.core import uploads
from mamori.ledger import exporting, importing, services
from mamori.ledger.models import LedgerEntry

SHOWN_ERRORS = 50


class Command(BaseCommand):
    help = "Personal-information ledger (個人情報管理台帳): import or export the consultants' XLSX/CSV layout."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{import,export}")
        load = sub.add_parser("import", help="check a ledger file and import all of its rows, or none")
        load.add_argument("file", type=Path)
        load.add_argument("--dry-run", action="store_true", help="check only; save nothing")
        load.add_argument("--update", action="store_true", help="rows with a known 管理番号 update that entry")
        save = sub.add_parser("export", help="write the whole ledger; .xlsx or .csv by the file name")
        save.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "export":
            self._export(options["file"])
        else:
            self._import(options["file"], options["dry_run"], options["update"])

    def _import(self, path: Path, dry_run: bool, update: bool) -> None:
        try:
            uploads.check_upload(path)  # size and archive limits before the file is read into memory
            data = path.read_bytes()
        except uploads.UploadRefused as refused:
            raise CommandError(f"{path.name}: {' '.join(refused.messages)} Nothing was imported.") from None
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror}") from None
        started = time.perf_counter()
        preview = importing.validate_file(data, path.name, update=update)
        checked = time.perf_counter() - started
        if not preview.ok:
            for problem in preview.errors[:SHOWN_ERRORS]:
                where = f"row {problem.row}, {problem.column}" if problem.row else problem.column or "file"
                value = f" [{problem.value}]" if problem.value else ""
                self.stderr.write(f"{where}: {problem.message}{value}")
            hidden = preview.error_count - min(len(preview.errors), SHOWN_ERRORS)
            if hidden > 0:
                self.stderr.write(f"... and {hidden} more problems")
            raise CommandError(f"{path.name}: {preview.error_count} problems; nothing was imported")
        summary = f"{len(preview.entries)} rows ({preview.updates} updates) checked in {checked:.1f} s"
        if dry_run:
            self.stdout.write(f"{summary}; dry run, nothing saved")
            return
        started = time.perf_counter()
        try:
            count = services.import_entries(SYSTEM, preview.entries, path.name)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"{summary}; {count} saved in {time.perf_counter() - started:.1f} s")

    def _export(self, path: Path) -> None:
        suffix = path.suffix.lower()
        if suffix not in (".xlsx", ".csv"):
            raise CommandError("name the file .xlsx or .csv")
        entries = list(exporting.prepared(LedgerEntry.objects.all()))
        body = exporting.to_xlsx(entries) if suffix == ".xlsx" else exporting.to_csv(entries)
        services.record_export(SYSTEM, suffix[1:], len(entries))
        try:
            path.write_bytes(body)
        except OSError as error:
            raise CommandError(f"cannot write {path}: {error.strerror}") from None
        self.stdout.write(f"{len(entries)} entries written to {path}")
