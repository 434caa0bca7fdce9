"""Notice-sending benchmark: a campaign of N notices sent through the real job worker to a local SMTP sink.

Run through ``bench/notices/run``. Steps:
1. a fresh SQLite database in a temporary folder (or a fresh PostgreSQL database with --postgres), migrated;
2. a case with a completed scoping of N affected people (bulk-inserted), an e-mail campaign at ``--rate``
   messages per minute in batches of ``--batch``, its notice items filled in;
3. a local SMTP server (aiosmtpd, in a thread) that records every Message-ID it receives and when;
4. the timed part: ``start_sending`` queues the job and ``mamori worker``'s loop (``Worker.run``) sends it.
   ``--outage S`` stops the SMTP server for S seconds a third of the way through (pulling the plug): the job's
   attempt fails, the worker retries it, and the run must still end with every person notified once.

Printed: sent, received by the sink, duplicates (a Message-ID received twice: must be 0), lost (a person not
notified and not flagged: must be 0), unknown (handed over when the connection broke: flagged for a check,
never resent), wall time, the configured and the achieved rate, and the most messages in any 60 s window.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000, help="notices to send (default 10,000)")
    parser.add_argument("--rate", type=int, default=3_000, help="the campaign's messages per minute (default 3,000)")
    parser.add_argument("--batch", type=int, default=200, help="the campaign's batch size (default 200)")
    parser.add_argument("--outage", type=float, default=0.0, help="seconds the SMTP server is down mid-run (0: none)")
    parser.add_argument(
        "--postgres",
        nargs="?",
        const="postgres://postgres@127.0.0.1:5432/postgres",
        metavar="URL",
        help="use PostgreSQL: a database 'bench_notices' is created next to URL's and dropped after",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mamori-bench-notices-") as tmp:
        if args.postgres:
            result = _on_postgres(args, Path(tmp))
        else:
            _setup_django(None, Path(tmp))
            result = _run(args, "SQLite")
    _print_table(result)
    return 0 if result["duplicates"] == 0 and result["lost"] == 0 else 1


def _setup_django(database_url: str | None, data_dir: Path) -> None:
    os.environ["MAMORI_DATA_DIR"] = str(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "mamori.settings"
    os.environ["MAMORI_JOBS_RETRY_SECONDS"] = "1"  # a failed attempt (the outage) is retried a second later
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _on_postgres(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    import psycopg

    admin_url = args.postgres.replace("postgres://", "postgresql://", 1)
    name = "bench_notices"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    try:
        _setup_django(f"{args.postgres.rsplit('/', 1)[0]}/{name}", tmp)
        return _run(args, "PostgreSQL")
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name}")


class _Sink:
    """The SMTP sink process (bench/notices/sink.py); what it received is read back from its file."""

    def __init__(self, port: int, path: Path) -> None:
        self.port, self.path = port, path
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        script = Path(__file__).with_name("sink.py")
        self.process = subprocess.Popen(
            [sys.executable, str(script), str(self.port), str(self.path)], stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None and self.process.stdout.readline().strip() == "ready"

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait()
            self.process = None

    def received(self) -> list[tuple[float, str]]:
        if not self.path.exists():
            return []
        rows = []
        for line in self.path.read_text(encoding="ascii").splitlines():
            stamp, _, message_id = line.partition(" ")
            rows.append((float(stamp), message_id))
        return rows


def _port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(args: argparse.Namespace, label: str) -> dict[str, Any]:
    from django.conf import settings

    port = _port()
    sink = _Sink(port, Path(os.environ["MAMORI_DATA_DIR"]) / "received.txt")
    sink.start()
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.DEFAULT_FROM_EMAIL = "notice@shop.example.jp"
    campaign = _prepare(args)
    print(f"{label}: {args.people:,} notices queued; sending at {args.rate:,}/min", file=sys.stderr)

    from mamori.accounts.policy import SYSTEM
    from mamori.jobs.backends import get_backend
    from mamori.jobs.worker import Worker
    from mamori.notices import services
    from mamori.notices.models import Campaign, CampaignStatus, DeliveryStatus

    outage = _schedule_outage(sink, args) if args.outage else None
    started = time.monotonic()
    services.start_sending(SYSTEM, campaign)
    attempts = 0
    while Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.SENDING:
        attempts += Worker(get_backend("embedded"), poll_seconds=0.2).run(burst=True)
        time.sleep(0.2)
    seconds = time.monotonic() - started
    if outage is not None:
        outage.join()
    sink.stop()
    received = sink.received()

    rows = Counter(campaign.deliveries.values_list("status", flat=True))
    ids = [mid for _, mid in received]
    per_id = Counter(ids)
    sent_ids = set(campaign.deliveries.filter(status=DeliveryStatus.SENT).values_list("message_id", flat=True))
    unknown_ids = set(campaign.deliveries.filter(status=DeliveryStatus.UNKNOWN).values_list("message_id", flat=True))
    times = sorted(t for t, _ in received)
    span = (times[-1] - times[0]) if len(times) > 1 else 0.0
    return {
        "label": label,
        "people": args.people,
        "sent": rows[DeliveryStatus.SENT],
        "received": len(ids),
        "duplicates": sum(n - 1 for n in per_id.values() if n > 1),
        # Not received and not flagged (still queued, failed, or recorded sent but never arrived).
        "lost": args.people - len(set(ids) & (sent_ids | unknown_ids)) - len(unknown_ids - set(ids)),
        "unknown": rows[DeliveryStatus.UNKNOWN],
        "unknown_received": len(unknown_ids & set(ids)),
        "seconds": seconds,
        "rate": args.rate,
        "achieved": (len(ids) - 1) / span * 60 if span else 0.0,
        "max_60s": _max_in_window(times, 60.0),
        "job_runs": attempts,
        "outage": args.outage,
    }


def _prepare(args: argparse.Namespace) -> Any:
    from django.utils import timezone

    from mamori.accounts.policy import SYSTEM
    from mamori.incidents.models import IncidentCase
    from mamori.notices import services
    from mamori.scoping.models import AffectedPerson, Scoping, ScopingStatus

    case = IncidentCase.objects.create(title="bench: card data breach", discovered_at=timezone.now())
    scoping = Scoping.objects.create(
        case=case,
        version=1,
        preset="eccube2",
        window_from=dt.date(2018, 3, 1),
        window_to=dt.date(2018, 6, 30),
        status=ScopingStatus.SUCCEEDED,
        people_count=args.people,
        finished_at=timezone.now(),
    )
    people = (
        AffectedPerson(
            scoping=scoping,
            identity=f"member:{i}",
            member_id=str(i),
            name=f"顧客 {i}",
            email=f"customer{i}@example.jp",
            orders=1,
        )
        for i in range(args.people)
    )
    AffectedPerson.objects.bulk_create(people, batch_size=2000)
    campaign = services.create_campaign(SYSTEM, case, channel="email", rate_per_minute=args.rate, batch_size=args.batch)
    facts = {
        lang: {
            "company": "なにわ通販",
            "summary": "不正アクセスによりカード情報が漏えいした可能性があります。",
            "data_items": "カード番号、有効期限",
            "cause": "不正アクセス",
            "secondary_harm": "不正利用のおそれ",
            "other": "カード明細をご確認ください。",
            "contact": "0120-000-000",
        }
        for lang in ("ja", "en")
    }
    services.update_campaign(SYSTEM, campaign, {"facts": facts})
    return campaign


def _schedule_outage(sink: _Sink, args: argparse.Namespace) -> threading.Thread:
    """Kill the SMTP server once a third of the notices arrived; start it again ``--outage`` seconds later."""

    def pull_the_plug() -> None:
        while len(sink.received()) < args.people // 3:
            time.sleep(0.2)
        sink.stop()
        print(f"SMTP server stopped after {len(sink.received()):,} messages", file=sys.stderr)
        time.sleep(args.outage)
        sink.start()
        print("SMTP server started again", file=sys.stderr)

    thread = threading.Thread(target=pull_the_plug, daemon=True)
    thread.start()
    return thread


def _max_in_window(times: list[float], window: float) -> int:
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def _print_table(r: dict[str, Any]) -> None:
    rows = [
        ("database", r["label"]),
        ("notices", f"{r['people']:,}"),
        ("sent (recorded)", f"{r['sent']:,}"),
        ("received by the sink", f"{r['received']:,}"),
        ("duplicates", f"{r['duplicates']:,}  (target 0)"),
        ("lost", f"{r['lost']:,}  (target 0)"),
        ("unknown (flagged, not resent)", f"{r['unknown']:,}  ({r['unknown_received']:,} of them did arrive)"),
        ("SMTP outage", f"{r['outage']:.0f} s" if r["outage"] else "none"),
        ("job runs", f"{r['job_runs']}"),
        ("time", f"{r['seconds']:.1f} s"),
        ("configured rate", f"{r['rate']:,}/min"),
        ("achieved rate", f"{r['achieved']:,.0f}/min"),
        ("most in any 60 s", f"{r['max_60s']:,}  (limit {r['rate']:,})"),
    ]
    width = max(len(k) for k, _ in rows)
    print(f"{'measure'.ljust(width)}  value")
    print(f"{'-' * width}  {'-' * 30}")
    for key, value in rows:
        print(f"{key.ljust(width)}  {value}")


if __name__ == "__main__":
    sys.exit(main())
