"""`mamori appi assess FILE.json`: the APPI decision for a set of facts, JSON in and JSON out.

For scripts and for checking the rules: nothing is stored and no database is needed. ``-`` reads standard
input. Bad input prints one line per field to standard error and exits with status 2.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from mamori.incidents import appi_rules
from mamori.incidents.appi_rules import FactsError

EXIT_BAD_INPUT = 2


class BadInput(Exception):
    pass


class Command(BaseCommand):
    help = (
        "APPI breach reporting (個人データの漏えい等の報告): `assess FILE.json` prints whether a report to the PPC "
        "and notice to individuals are required, the categories of Enforcement Rules Art. 7 and the due dates, "
        "as JSON. FILE '-' reads standard input."
    )
    # A pure calculation: it must work without keys or a database, so the start-up checks are not run.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True, metavar="assess")
        assess = commands.add_parser(
            "assess",
            help="decide from the facts in FILE (JSON): aware_at, persons, special_care, property_damage_risk, "
            "improper_purpose, high_level_encryption, key_compromised, role, notified_principal, "
            "data_being_obtained, pseudonymised",
        )
        assess.add_argument("file", metavar="FILE", help="the facts as a JSON object; '-' for standard input")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            decision = appi_rules.assess(appi_rules.parse_facts(_read(options["file"])))
        except BadInput as exc:
            self._fail([str(exc)])
        except FactsError as exc:
            self._fail([f"{field}: {message}" for field, (_, message) in exc.errors.items()])
        self.stdout.write(json.dumps(decision, ensure_ascii=False, indent=2))

    def _fail(self, lines: list[str]) -> None:
        for line in lines:
            self.stderr.write(f"mamori appi assess: {line}")
        raise SystemExit(EXIT_BAD_INPUT)


def _read(name: str) -> object:
    try:
        if name == "-":
            text = sys.stdin.read()
        else:
            with open(name, encoding="utf-8") as file:
                text = file.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{name}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"{name}: not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
