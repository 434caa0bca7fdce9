"""Contractors benchmark: the time to make one version of the joint incident manual (content, DOCX, PDF with the
IPAex font subset, hashes, stored) and the time of ``contractors.services.warnings(actor)`` — what the dashboard
calls on every visit — over N contractors that each handle card data and have a contract.

Run through ``bench/contractors/run``: a fresh SQLite database in a temporary folder, migrated, with the demo
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
    parser.add_argument("--contractors", type=int, default=200, help="contractors for the warnings (default 200)")
    parser.add_argument("--manuals", type=int, default=3, help="manual versions to make (default 3)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mamori-bench-contractors-") as tmp:
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


def _run(args: argparse.Namespace) -> list[tuple[str, str]]:
    from mamori.accounts.models import User
    from mamori.accounts.policy import SYSTEM
    from mamori.contractors import checklist, manual, services
    from mamori.contractors.models import Contractor
    from mamori.core.demo import load_demo

    load_demo()
    server = Contractor.objects.get(name="株式会社なにわシステムサービス")
    contract = server.contracts.get()
    times, sizes = [], []
    for n in range(args.manuals):
        services.update_contract(SYSTEM, contract, {"notes": f"bench {n}"})  # a change, so a new version is made
        services.update_contract(SYSTEM, contract, {"reference": f"NSS-{n}"})
        start = time.perf_counter()
        version = manual.generate(SYSTEM, server)
        times.append(time.perf_counter() - start)
        sizes.append((len(bytes(version.docx)), len(bytes(version.pdf))))
    for i in range(args.contractors):
        contractor = services.create_contractor(SYSTEM, {"name": f"委託先{i:04d}", "handles_card_data": True})
        items = {k: {"present": i % 2 == 0, "clause": "第1条" if i % 2 == 0 else ""} for k in checklist.ALL_ITEMS}
        services.create_contract(
            SYSTEM,
            contractor,
            {
                "title": "契約",
                "starts_on": dt.date(2020, 1, 1),
                "notice_hours": 24,
                "log_retention_days": 365,
                "checklist": items,
            },
        )
        services.schedule_review(SYSTEM, contractor, dt.date(2020, 1, 1) + dt.timedelta(days=i))
    manager = User.objects.get(username="manager")
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        found = services.warnings(manager)
        runs.append(time.perf_counter() - start)
    return [
        ("manual versions made", str(args.manuals)),
        ("manual: seconds per version (median)", f"{statistics.median(times):.2f}"),
        ("manual: DOCX bytes", f"{sizes[-1][0]:,}"),
        ("manual: PDF bytes", f"{sizes[-1][1]:,}"),
        ("contractors (all active)", str(Contractor.objects.count())),
        ("warnings found", str(len(found))),
        ("warnings(actor): seconds (median of 3)", f"{statistics.median(runs):.2f}"),
    ]


if __name__ == "__main__":
    raise SystemExit(main())
