"""``mamori scope``: count the people affected by a card breach straight from a shop database (影響範囲の特定).

Works without a case and without Mamori's own database: it opens the shop database read-only (the scanner's
connection handling), aggregates in the database, prints the number of affected people and, with ``--output``,
writes the list as CSV (0600). Nothing is written to the shop database. Errors print one line and exit 2.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mamori.discovery.engine.database import connect
from mamori.scoping import mapping as maps
from mamori.scoping import query, services, sources


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {text!r}", returncode=2) from None


class Command(BaseCommand):
    help = (
        "Count the people who paid by card in the exposure window (EC-CUBE 2.x/4.x or a mapping) and write the "
        "list as CSV. Read-only; SQLite, PostgreSQL, MySQL/MariaDB."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--source", required=True, help="database URL (sqlite:///shop.db, postgresql://u@h/db)")
        parser.add_argument("--password-env", help="environment variable holding the database password")
        parser.add_argument("--password-file", type=Path, help="file holding the database password")
        parser.add_argument("--preset", required=True, choices=["eccube2", "eccube4", "generic"])
        parser.add_argument("--mapping", type=Path, help="generic mapping as JSON (with --preset generic)")
        parser.add_argument("--from", dest="window_from", required=True, help="first day of the window, YYYY-MM-DD")
        parser.add_argument("--to", dest="window_to", required=True, help="last day of the window, YYYY-MM-DD")
        parser.add_argument(
            "--payment-id",
            dest="payment_ids",
            action="append",
            nargs="+",
            default=[],
            help="the card payment methods (dtb_payment ids); default: those that look like card payments",
        )
        parser.add_argument("--list-payments", action="store_true", help="list the shop's payment methods and stop")
        parser.add_argument("--output", type=Path, help="write the affected people to this CSV file")
        parser.add_argument("--count-only", action="store_true", help="print only the number of affected people")

    def handle(self, *args: Any, **options: Any) -> None:
        window_from, window_to = _date(options["window_from"]), _date(options["window_to"])
        if window_to < window_from:
            raise CommandError("--to is before --from", returncode=2)
        output: Path | None = options.get("output")
        if output is not None and not output.parent.is_dir():  # before the (long) query, not after it
            raise CommandError(f"--output: the folder {output.parent} does not exist", returncode=2)
        credentials = connect.Credentials(options.get("password_env"), options.get("password_file"))
        try:
            url = connect.parse_url(sources.libpq_url(options["source"]), credentials)
            engine = connect.open_readonly(url, statement_timeout_s=sources.statement_timeout())
        except connect.SourceError as exc:
            raise CommandError(str(exc), returncode=2) from None
        try:
            with services.read_only(engine) as conn:
                self._run(conn, options, window_from, window_to)
        except maps.MappingError as exc:
            raise CommandError(str(exc), returncode=2) from None
        except sa.exc.SQLAlchemyError as exc:
            raise CommandError(f"the database refused the query: {connect.reason(exc)}", returncode=2) from None
        finally:
            engine.dispose()

    def _mapping(
        self, conn: sa.Connection, options: dict[str, Any], window_from: dt.date, window_to: dt.date
    ) -> maps.Mapping_:
        preset = options["preset"]
        ids: list[Any] = [int(v) if v.isdigit() else v for group in options["payment_ids"] for v in group]
        if preset == "generic":
            if not options.get("mapping"):
                raise CommandError("--preset generic needs --mapping FILE.json", returncode=2)
            try:
                data = json.loads(options["mapping"].read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(f"cannot read the mapping {options['mapping']}: {exc}", returncode=2) from None
            if ids:
                data["payment_ids"] = ids
            return maps.parse(data)
        # also checks that the preset fits the shop (one GROUP BY counts the orders per method in the window)
        payments = query.payments(conn, preset, window_from, window_to)
        if options["list_payments"]:
            for p in payments:
                mark = "*" if p.card_like else " "
                deleted = " (deleted)" if p.deleted else ""
                detail = f"\t[{p.detail}]" if p.detail else ""
                self.stdout.write(f"{mark} {p.id}\t{p.name}{deleted}\t{p.orders} orders in the window{detail}")
            self.stdout.write("* = looks like a card payment (the default choice)")
            raise SystemExit(0)
        known = {str(p.id) for p in payments}
        unknown = [str(i) for i in ids if str(i) not in known]
        if unknown:
            raise CommandError(f"--payment-id: no payment method {', '.join(unknown)} in dtb_payment", returncode=2)
        if not ids:
            ids = [p.id for p in payments if p.card_like]
            if not ids:
                raise CommandError(
                    "no payment method looks like a card payment; choose with --payment-id (see --list-payments)",
                    returncode=2,
                )
        names = ", ".join(f"{p.id} {p.name}" for p in payments if p.id in ids)
        self.stderr.write(f"card payments: {names}")
        return maps.preset(preset, ids)

    def _run(self, conn: sa.Connection, options: dict[str, Any], window_from: dt.date, window_to: dt.date) -> None:
        mapping = self._mapping(conn, options, window_from, window_to)
        bound = maps.bind(conn, mapping, options["preset"])
        if mapping.excluded:
            self.stderr.write(f"left out: {'; '.join(mapping.excluded)}")
        if options["count_only"] and not options.get("output"):
            people, _orders = query.count(conn, bound, window_from, window_to)
            self.stdout.write(str(people))
            return
        people = orders = 0
        output: Path | None = options.get("output")
        rows = query.people(conn, bound, window_from, window_to)
        if output is not None:
            fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as out:
                for line in services.csv_lines(_counted(rows, counts := [0, 0])):
                    out.write(line)
            people, orders = counts
        else:
            people, orders = query.count(conn, bound, window_from, window_to)
        if options["count_only"]:
            self.stdout.write(str(people))
            return
        self.stdout.write(f"affected people: {people} (card orders in the window: {orders})")
        if output is not None:
            self.stdout.write(f"written: {output}")


def _counted(people: Any, counts: list[int]) -> Any:
    for p in people:
        counts[0] += 1
        counts[1] += p.orders
        yield [
            p.identity,
            p.member_id,
            p.name,
            p.kana,
            p.email,
            p.phone,
            p.postal_code,
            p.address,
            p.orders,
            p.first_order_at,
            p.last_order_at,
        ]
