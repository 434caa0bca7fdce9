"""``mamori evidence add|verify|destroy``: the evidence locker from the console (acting as the system).

``add CASE_ID FILE`` streams the file (``-`` reads standard input, e.g. ``dd if=/dev/sdb | mamori evidence add 3 -
--name disk.img``); ``verify`` hashes every stored file again and exits 1 on any mismatch or missing file;
``destroy EVIDENCE_ID --reason`` destroys a preserved copy whose hold was released.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mamori.accounts.policy import SYSTEM
from mamori.evidence import services
from mamori.evidence.models import Evidence
from mamori.incidents.models import IncidentCase

BROKEN = 1


def _message(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in exc.message_dict.items())
    return " ".join(exc.messages)


def _preserve_cli() -> Any:
    try:
        from mamori.evidence import preserve_cli
    except ImportError:  # installed without the preservation part
        return None
    return preserve_cli


class Command(BaseCommand):
    help = "Evidence locker (証拠保管庫): add a file to a case, verify every stored file, destroy a preserved copy."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{add,verify,destroy,preserve}")
        add = sub.add_parser("add", help="store FILE (or - for standard input) as evidence of case CASE_ID")
        add.add_argument("case_id", type=int, metavar="CASE_ID")
        add.add_argument("file", metavar="FILE")
        add.add_argument("--reason", default="", help="why it is added (kept in the chain of custody)")
        add.add_argument("--name", default="", help="the evidence's name (default: the file's name)")
        add.add_argument("--description", default="")
        verify = sub.add_parser("verify", help="hash every stored file again; exit 1 on a mismatch or missing file")
        verify.add_argument("--quiet", action="store_true", help="print only problems")
        destroy = sub.add_parser("destroy", help="destroy a preserved copy after its case's hold was released")
        destroy.add_argument("evidence_id", type=int, metavar="EVIDENCE_ID")
        destroy.add_argument("--reason", required=True)
        preserve_cli = _preserve_cli()
        if preserve_cli is not None:
            preserve_cli.add_parser(sub)  # "preserve" (the preservation part)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['subcommand']}")(options)
        except ValidationError as exc:
            raise CommandError(_message(exc), returncode=2) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc), returncode=BROKEN) from None

    def _preserve(self, options: dict[str, Any]) -> None:
        _preserve_cli().run(self, options)

    def _add(self, options: dict[str, Any]) -> None:
        case = IncidentCase.objects.filter(pk=options["case_id"]).first()
        if case is None:
            raise CommandError(f"no incident case {options['case_id']}", returncode=2)
        if options["file"] == "-":
            name = options["name"] or "stdin"
            evidence = services.add_upload(
                SYSTEM, case, sys.stdin.buffer, name, options["description"], options["reason"]
            )
        else:
            path = Path(options["file"])
            try:
                handle = path.open("rb")
            except OSError as exc:
                raise CommandError(f"{path} cannot be read: {exc.strerror or exc}", returncode=2) from None
            with handle:
                evidence = services.add_upload(
                    SYSTEM, case, handle, options["name"] or path.name, options["description"], options["reason"]
                )
        self.stdout.write(
            f"evidence {evidence.pk} added to case {case.pk}: {evidence.name}, {evidence.size} bytes, "
            f"sha256 {evidence.sha256}{' (encrypted at rest)' if evidence.encrypted else ''}"
        )

    def _verify(self, options: dict[str, Any]) -> None:
        def progress(evidence: Evidence, note: str) -> None:
            if note != "intact" or not options["quiet"]:
                self.stdout.write(f"evidence {evidence.pk} (case {evidence.case_id}, {evidence.name}): {note}")

        report = services.verify_all(SYSTEM, progress)
        summary = (
            f"{report.checked} stored files checked: {len(report.intact)} intact, "
            f"{len(report.mismatched)} changed, {len(report.missing)} missing"
        )
        if not report.ok:
            for evidence, found in report.mismatched:
                self.stdout.write(f"CHANGED evidence {evidence.pk}: recorded {evidence.sha256}, found {found}")
            for evidence in report.missing:
                self.stdout.write(f"MISSING evidence {evidence.pk}: {evidence.blob_name}")
            raise CommandError(summary, returncode=BROKEN)
        if not options["quiet"]:
            self.stdout.write(summary)

    def _destroy(self, options: dict[str, Any]) -> None:
        evidence = Evidence.objects.filter(pk=options["evidence_id"]).first()
        if evidence is None:
            raise CommandError(f"no evidence {options['evidence_id']}", returncode=2)
        services.destroy(SYSTEM, evidence, options["reason"])
        self.stdout.write(f"evidence {evidence.pk} destroyed: its stored file is removed, its record kept")
