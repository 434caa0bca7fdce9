"""Card-list benchmark: time to import a card company's list and to match it against a shop database.

Run through ``bench/cardlists/run``. Steps, in a fresh SQLite database in a temporary folder:
1. a list of N generated card numbers (Luhn-valid, spread over 600 issuer ranges like a real shop's customers)
   as CSV, imported with ``cardlists.services.import_list``: parse, mask and fingerprint every number (scrypt at
   ``--log2-n``; production uses 16);
2. an EC-CUBE 2.x dtb_order table with M orders, every tenth paid with a listed card (in memo02, PHP-serialized),
   the others with cards not on the list, and a stored scan finding naming dtb_order.memo02;
3. the timed match: ``run_matching`` reads memo02 again through the discovery engine (read-only), hashing only
   the numbers whose mask is among the list's masks;
4. a few scrypt hashes at the production cost, to project the import at production cost on this machine.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

BINS = 600


def luhn_complete(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


def cards(count: int, rng: random.Random, seen: set[str]) -> list[str]:
    bins = [f"4{rng.randrange(10**5):05d}" for _ in range(BINS // 2)]
    bins += [f"5{rng.randrange(1, 6)}{rng.randrange(10**4):04d}" for _ in range(BINS // 3)]
    bins += [f"35{rng.randrange(28, 90)}{rng.randrange(100):02d}" for _ in range(BINS - len(bins))]
    out = []
    while len(out) < count:
        number = luhn_complete(rng.choice(bins) + f"{rng.randrange(10**9):09d}")
        if number not in seen:
            seen.add(number)
            out.append(number)
    return out


def shop(path: Path, listed: list[str], others: list[str], orders: int, rng: random.Random) -> int:
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE dtb_order (order_id INTEGER PRIMARY KEY, customer_id INTEGER, order_email TEXT, memo02 TEXT)"
    )
    planted = 0
    rows = []
    for order_id in range(1, orders + 1):
        if order_id % 10 == 0 and planted < len(listed):
            card = listed[planted]
            planted += 1
        else:
            card = rng.choice(others)
        memo = f'a:2:{{s:7:"card_no";s:{len(card)}:"{card}";s:6:"expire";s:5:"12/29";}}'
        rows.append((order_id, order_id % 5000, f"c{order_id}@example.jp", memo))
    conn.executemany("INSERT INTO dtb_order VALUES (?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()
    return planted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numbers", type=int, default=10_000)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--log2-n", type=int, default=12, help="scrypt cost of this run (production: 16)")
    parser.add_argument("--production-samples", type=int, default=5, help="hashes timed at cost 16 (0: none)")
    parser.add_argument("--seed", type=int, default=2018)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mamori-bench-cardlists-") as tmp:
        return run(Path(tmp), args)


def run(tmp: Path, args: argparse.Namespace) -> int:
    (tmp / "shop").mkdir()
    os.environ.update(
        MAMORI_DATA_DIR=str(tmp / "data"),
        DJANGO_SETTINGS_MODULE="mamori.settings",
        MAMORI_PAN_FINGERPRINT_COST=str(args.log2_n),
        MAMORI_SCAN_ALLOW=str(tmp / "shop"),
        DEBUG="1",
    )
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from mamori.accounts.policy import SYSTEM
    from mamori.cardlists import services
    from mamori.discovery.engine.masking import ScryptCost, pan_fingerprint
    from mamori.discovery.models import DataSource, Scan, ScanFinding, ScanStatus, SourceKind
    from mamori.incidents.models import IncidentCase

    rng = random.Random(args.seed)
    seen: set[str] = set()
    listed = cards(args.numbers, rng, seen)
    others = cards(max(1000, args.orders // 10), rng, seen)
    data = ("カード番号,利用日\r\n" + "".join(f"{c},2018-05-10\r\n" for c in listed)).encode()
    case = IncidentCase.objects.create(title="bench", discovered_at=timezone.now())
    rows: list[tuple[str, str, str, str]] = []

    started = time.perf_counter()
    card_list = services.import_list(
        SYSTEM,
        case,
        data=data,
        file_name="list.csv",
        received_from="bench",
        received_at=timezone.localdate(),
        background=False,  # the whole fingerprinting inside the timed call
    )
    seconds = time.perf_counter() - started
    del data
    rows.append(
        (
            "import (parse, mask, fingerprint)",
            f"{card_list.accepted:,} numbers",
            f"{seconds:.1f}",
            f"{seconds / max(1, card_list.accepted) * 1000:.2f} ms/number at log2 N = {args.log2_n}",
        )
    )

    path = tmp / "shop" / "eccube.db"
    planted = shop(path, listed, others, args.orders, rng)
    source = DataSource.objects.create(name="shop", kind=SourceKind.DATABASE, location=f"sqlite:///{path}")
    scan = Scan.objects.create(source=source, status=ScanStatus.SUCCEEDED)
    ScanFinding.objects.create(
        scan=scan, type="credit_card_number", table="dtb_order", column="memo02", severity="critical", data_class="c"
    )
    started = time.perf_counter()
    run_ = services.start_matching(SYSTEM, card_list, sources=[source], include_findings=True)
    done = services.run_matching(run_.pk)
    seconds = time.perf_counter() - started
    ok = done.matched_entries == planted
    rows.append(
        (
            "match against the shop (memo02 re-read)",
            f"{args.orders:,} orders",
            f"{seconds:.1f}",
            f"{done.matched_entries:,} of {planted:,} planted found{'' if ok else ' (MISMATCH)'}",
        )
    )

    if args.production_samples:
        cost = ScryptCost(16)
        started = time.perf_counter()
        for number in listed[: args.production_samples]:
            pan_fingerprint(b"k" * 32, number, cost)
        per = (time.perf_counter() - started) / args.production_samples
        rows.append(
            (
                "one fingerprint at production cost (log2 N = 16)",
                f"{args.production_samples} samples",
                f"{per:.2f}",
                f"import of {args.numbers:,} projected: {per * args.numbers / 60:.0f} min on one core",
            )
        )

    width = [max(len(r[i]) for r in [*rows, ("step", "size", "seconds", "note")]) for i in range(4)]
    header = ("step", "size", "seconds", "note")
    print(" | ".join(h.ljust(w) for h, w in zip(header, width, strict=True)))
    print("-+-".join("-" * w for w in width))
    for row in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(row, width, strict=True)))
    from mamori.cardlists.hashing import workers

    python = sys.version.split()[0]
    cores = f"{workers()} fingerprint workers, {os.cpu_count()} CPUs"
    print(f"\n({cores}; Python {python}; SQLite {sqlite3.sqlite_version})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
