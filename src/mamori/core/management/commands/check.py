from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from mamori.core.checks import live_checks

LEVEL_NAMES = {
    checks.CRITICAL: "CRITICAL",
    checks.ERROR: "ERROR",
    checks.WARNING: "WARNING",
    checks.INFO: "INFO",
    checks.DEBUG: "DEBUG",
}
FAILED = 1


class Command(BaseCommand):
    help = (
        "Report configuration problems: Django's system checks (with the deployment checks when DEBUG is off) "
        "and Mamori's own (SECRET_KEY and Mamori's keys present and strong, data folders writable, database "
        "reachable and migrated, mail server, Redis, HTTPS settings). Exits 1 when there is an error."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--deploy", action="store_true", help="include the deployment checks even with DEBUG on")
        parser.add_argument(
            "--fail-level",
            default="ERROR",
            choices=["CRITICAL", "ERROR", "WARNING"],
            help="the level that makes the command exit 1 (default ERROR)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with live_checks():
            found = checks.run_checks(
                include_deployment_checks=options["deploy"] or not settings.DEBUG,
                databases=list(connections),
            )
        shown = sorted((m for m in found if not m.is_silenced()), key=lambda m: (-m.level, m.id or ""))
        for message in shown:
            self.stdout.write(self._line(message))
        fail_level = getattr(checks, options["fail_level"])
        errors = sum(1 for m in shown if m.level >= checks.ERROR)
        warnings = sum(1 for m in shown if checks.WARNING <= m.level < checks.ERROR)
        summary = f"mamori check: {_count(errors, 'error')}, {_count(warnings, 'warning')}"
        if any(m.level >= fail_level for m in shown):
            raise CommandError(summary, returncode=FAILED)
        self.stdout.write(self.style.SUCCESS(summary if shown else "mamori check: no problems found"))

    def _line(self, message: checks.CheckMessage) -> str:
        level = LEVEL_NAMES.get(message.level, str(message.level))
        where = f" ({message.obj})" if message.obj is not None else ""
        hint = f" — {message.hint}" if message.hint else ""
        text = f"{level} {message.id or '-'}{where}: {message.msg}{hint}"
        return self.style.ERROR(text) if message.level >= checks.ERROR else self.style.WARNING(text)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")
