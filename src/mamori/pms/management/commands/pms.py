"""``mamori pms load-controls [FILE]``: apply a requirements catalogue file (the shipped one by default)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mamori.accounts.policy import SYSTEM
from mamori.pms import catalogue, services


class Command(BaseCommand):
    help = "Management system: load-controls [FILE] applies a JIS Q 15001 requirements catalogue (JSON)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="command", required=True)
        load = sub.add_parser("load-controls", help="apply a catalogue file; owners, status and evidence are kept")
        load.add_argument("file", nargs="?", type=Path, default=catalogue.SHIPPED)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = services.load_catalogue(SYSTEM, options["file"])
        except catalogue.CatalogueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"{len(result.added)} added, {len(result.updated)} updated, {len(result.retired)} retired, "
            f"{result.unchanged} unchanged"
        )
        for key in result.retired:
            self.stdout.write(f"retired (kept, no longer in the file): {key}")
