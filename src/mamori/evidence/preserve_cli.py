"""``mamori evidence preserve CASE_ID --source N | --path P [--path P …] [--wait]`` (acting as the system).

A sub-command of ``mamori evidence`` (``management/commands/evidence.py`` adds it with :func:`add_parser` and
calls :func:`run`). It queues the job ``evidence.preserve``; ``--wait`` runs that job now in this process and
prints the evidence it made (id, name, size, SHA-256), or fails with the reason (exit status 1).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from mamori.accounts.policy import SYSTEM
from mamori.discovery.models import DataSource
from mamori.evidence import preserve
from mamori.incidents.models import IncidentCase
from mamori.jobs.models import Job


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "preserve", help="preserve a data source linked to case CASE_ID, or files and folders, into the locker"
    )
    parser.add_argument("case_id", type=int, metavar="CASE_ID")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--source", type=int, metavar="N", help="a data source linked to the case (its id)")
    what.add_argument("--path", action="append", metavar="P", help="a file or folder (repeat for several)")
    parser.add_argument("--wait", action="store_true", help="run the preservation now and print the result")


def run(command: BaseCommand, options: dict[str, Any]) -> None:
    case = IncidentCase.objects.filter(pk=options["case_id"]).first()
    if case is None:
        raise CommandError(f"no incident case {options['case_id']}", returncode=2)
    source = None
    if options.get("source") is not None:
        source = DataSource.objects.filter(pk=options["source"]).first()
        if source is None:
            raise CommandError(f"no data source {options['source']}", returncode=2)
    try:
        job = preserve.start_preservation(SYSTEM, case, source=source, paths=options.get("path") or None)
    except ValidationError as exc:
        raise CommandError(" ".join(exc.messages), returncode=2) from None
    command.stdout.write(f"preservation queued for case {case.pk} (job {job.pk})")
    if not options.get("wait"):
        return
    from mamori.jobs.worker import Worker

    Worker(poll_seconds=0).run_one(prefer=str(job.pk))
    job = Job.objects.get(pk=job.pk)
    result = job.result if isinstance(job.result, dict) else {}
    if job.status != "succeeded":
        raise CommandError(f"preservation failed: {job.error or job.status}", returncode=1)
    command.stdout.write(
        f"evidence {result.get('evidence')} added to case {case.pk}: {result.get('name')}, "
        f"{result.get('size')} bytes, sha256 {result.get('sha256')} (encrypted at rest)"
    )
