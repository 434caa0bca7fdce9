"""Dashboard benchmark: render time and query count of the dashboard for the manager and top management with N scan
findings spread over twelve months of completed scans (the chart counts them in one grouped query).

Run through ``bench/dashboard/run``: a fresh SQLite database in a temporary folder, migrated, with the demo
organisation loaded. Printed: a table of the measurements.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=10_000, help="scan findings to plant (default 10,000)")
    parser.add_argument("--runs", type=int, default=5, help="renders per user (default 5)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mamori-bench-dashboard-") as tmp:
        os.environ["MAMORI_DATA_DIR"] = tmp
        os.environ["DJANGO_SETTINGS_MODULE"] = "mamori.settings"
        os.environ.pop("DATABASE_URL", None)
        sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        rows = _run(args)
    print(f"{'measurement':<46} {'value':>14}")
    for label, value in rows:
        print(f"{label:<46} {value:>14}")
    return 0


def _plant(findings: int) -> None:
    from django.utils import timezone

    from mamori.discovery.models import DataSource, Scan, ScanFinding, ScanStatus

    source = DataSource.objects.create(name="bench-shop", kind="files", location="/srv/bench")
    now = timezone.now()
    per_scan = max(1, findings // 12)
    left = findings
    for month in range(12):
        count = per_scan if month < 11 else left
        left -= count
        scan = Scan.objects.create(
            source=source, status=ScanStatus.SUCCEEDED, finished_at=now - dt.timedelta(days=30 * month)
        )
        ScanFinding.objects.bulk_create(
            (
                ScanFinding(
                    scan=scan,
                    type="card_security_code" if n % 50 == 0 else "email",
                    severity="critical" if n % 50 == 0 else "low",
                    data_class="prohibited" if n % 50 == 0 else "personal",
                )
                for n in range(count)
            ),
            batch_size=2000,
        )


def _run(args: argparse.Namespace) -> list[tuple[str, str]]:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from mamori.accounts.middleware import SESSION_KEY
    from mamori.accounts.models import User
    from mamori.core.demo import load_demo

    settings.ALLOWED_HOSTS = ["*"]
    load_demo()
    _plant(args.findings)
    rows = [("scan findings planted", f"{args.findings:,}")]
    for username in ("manager", "president"):
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user, backend="mamori.accounts.backends.LockoutBackend")
        session = client.session
        session[SESSION_KEY] = True  # two-factor already passed
        session.save()
        times = []
        queries = 0
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                response = client.get("/")
                times.append(time.perf_counter() - start)
            if response.status_code != 200:
                raise SystemExit(f"dashboard for {username}: HTTP {response.status_code}")
            queries = len(captured)
        rows.append((f"{username}: dashboard median (ms)", f"{statistics.median(times) * 1000:.0f}"))
        rows.append((f"{username}: dashboard max (ms)", f"{max(times) * 1000:.0f}"))
        rows.append((f"{username}: queries per render", str(queries)))
    rows.extend(_cards(User.objects.get(username="manager"), args.runs))
    return rows


def _cards(user: object, runs: int) -> list[tuple[str, str]]:
    """Where the time goes: each of the new cards alone, for the manager."""
    from mamori.core import dashboard_cards as cards

    rows = []
    for name, build in (
        ("overdue list", cards.overdue_lines),
        ("findings chart", cards.findings_chart),
        ("readiness", cards.readiness_card),
    ):
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            build(user)
            times.append(time.perf_counter() - start)
        rows.append((f"manager: {name} median (ms)", f"{statistics.median(times) * 1000:.0f}"))
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
