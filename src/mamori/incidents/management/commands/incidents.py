"""``mamori incidents remind``: send the e-mail reminders of due dates that are due today (for cron).

The same code as the background task ``incidents.remind`` that workers queue once an hour: each reminder is
recorded in ``ReminderSent`` before its mail job is queued, so running both, or this twice, sends nothing
twice. The mails go out through the job queue (``mamori worker``, or the embedded worker of ``mamori serve``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mamori.incidents import export, portal, reminders


class Command(BaseCommand):
    help = (
        "Incident cases (インシデント事案): `remind` queues the e-mail reminders due today; "
        "`verify-export FILE.zip` checks an exported case file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{remind,verify-export}")
        remind = sub.add_parser("remind", help="queue the reminders due today (N days before and on the due day)")
        remind.add_argument("--date", help="act as if today were this date (YYYY-MM-DD); for checks")
        verify = sub.add_parser("verify-export", help="check an exported case file against its manifest")
        verify.add_argument("file", help="the exported ZIP")
        verify.add_argument("--sha256", default="", help="the manifest SHA-256 shown when it was exported")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "verify-export":
            self._verify_export(options)
            return
        today = None
        if options.get("date"):
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(f"--date: {options['date']!r} is not a date (YYYY-MM-DD).") from None
        queued = reminders.send_due_reminders(today)
        run = portal.remind_unacknowledged()
        days = ", ".join(str(d) for d in reminders.reminder_days())
        self.stdout.write(f"Reminders queued: {queued} (days before: {days}, and on the due day).")
        self.stdout.write(f"Preservation notices: {run.reminded} reminded, {run.escalated} escalated.")

    def _verify_export(self, options: dict[str, Any]) -> None:
        result = export.verify_export(options["file"], options["sha256"])
        for line in export.describe(result):
            self.stdout.write(line)
        if not result.ok:
            raise SystemExit(1)
