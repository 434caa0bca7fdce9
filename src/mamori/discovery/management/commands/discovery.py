"""``mamori discovery scan SOURCE_ID``: queue a scan of a data source as the system actor.

``--wait`` runs the queued job in this process (a burst worker) and prints the result.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mamori.accounts.policy import SYSTEM
from mamori.discovery import services
from mamori.discovery.models import DataSource, Scan


class Command(BaseCommand):
    help = "Data-source scans: `discovery scan SOURCE_ID [--wait]`, `discovery sources`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        scan = sub.add_parser("scan", help="queue a scan of a data source")
        scan.add_argument("source_id", help="the data source's id (see `discovery sources`)")
        scan.add_argument("--wait", action="store_true", help="run the scan now in this process and print the result")
        sub.add_parser("sources", help="list data sources")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "sources":
            for item in DataSource.objects.all():
                archived = "\tarchived" if item.archived_at else ""
                self.stdout.write(f"{item.pk}\t{item.kind}\t{item.name}{archived}")
            return
        raw = str(options["source_id"])
        if not raw.isdigit():
            raise CommandError(f"SOURCE_ID must be a number, not {raw!r}")
        source = DataSource.objects.filter(pk=int(raw)).first()
        if source is None:
            raise CommandError(f"no data source with id {raw} (see `mamori discovery sources`)")
        try:
            scan = services.start_scan(SYSTEM, source)
        except ValidationError as refused:  # an archived source is no longer scanned
            raise CommandError(" ".join(refused.messages)) from None
        self.stdout.write(f"scan {scan.pk} of {source.name} queued (job {scan.job_id})")
        if options["wait"]:
            from mamori.jobs.worker import Worker

            Worker(poll_seconds=0).run(burst=True)
            scan = Scan.objects.get(pk=scan.pk)
            self.stdout.write(
                f"scan {scan.pk}: {scan.status}, {scan.findings_count} findings, {scan.prohibited_count} prohibited"
            )
            if scan.error:
                raise CommandError(f"scan {scan.pk} failed: {scan.error}")
