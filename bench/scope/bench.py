"""Scoping 10,000,000 orders in PostgreSQL (issue 11 target: under 20 s).

1. Generates an EC-CUBE 2.x shop inside PostgreSQL (``INSERT … SELECT generate_series``: the rows are made by the
   server itself, faster than COPY from a client): 10,000,000 orders over five years, 1,000,000 members and
   500,000 guest e-mails written in varying case and spacing, five payment methods of which two are card
   modules, cancelled and deleted orders. No index but the primary key, as a shop database has.
2. Migrates a fresh Mamori database on the same server, opens a case and a data source for the shop.
3. Times, for two windows (the 2018 case's 14 months, and all five years):
   - ``count``: the preview count (one aggregate query in the shop database);
   - ``run``: the whole background job — aggregate, stream the people, store them in Mamori (COPY), supersede
     the earlier version, set the case's count;
   and checks the count against an independent hand-written ``COUNT(DISTINCT …)``.
Prints a table (Markdown).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time

import sqlalchemy as sa

SERVER = os.environ.get("MAMORI_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")
SHOP_DB = "mamori_bench_shop"
APP_DB = "mamori_bench_scope_app"
WINDOWS = [
    ("14 months (2017-05-02 – 2018-06-20)", dt.date(2017, 5, 2), dt.date(2018, 6, 20)),
    ("5 years (2015-01-01 – 2019-12-31)", dt.date(2015, 1, 1), dt.date(2019, 12, 31)),
]

SHOP_SQL = """
DROP TABLE IF EXISTS dtb_order;
DROP TABLE IF EXISTS dtb_payment;
DROP TABLE IF EXISTS mtb_pref;
CREATE TABLE mtb_pref (id smallint PRIMARY KEY, name text NOT NULL, rank smallint);
INSERT INTO mtb_pref SELECT g, '県' || g, g FROM generate_series(1, 47) g;
CREATE TABLE dtb_payment (payment_id integer PRIMARY KEY, payment_method text, memo03 text, del_flg smallint DEFAULT 0);
INSERT INTO dtb_payment VALUES (1, '郵便振替', NULL, 0), (2, '現金書留', NULL, 0), (3, '銀行振込', NULL, 0),
  (4, '代金引換', NULL, 0), (5, 'クレジットカード決済', 'mdl_card', 0), (6, 'ペイジェント決済', 'mdl_paygent', 0);
CREATE UNLOGGED TABLE dtb_order (  -- unlogged: faster to fill; read the same way
  order_id integer PRIMARY KEY, order_temp_id text, customer_id integer NOT NULL, message text,
  order_name01 text, order_name02 text, order_kana01 text, order_kana02 text, order_email text,
  order_tel01 text, order_tel02 text, order_tel03 text, order_zip01 text, order_zip02 text, order_pref smallint,
  order_addr01 text, order_addr02 text, subtotal numeric, total numeric, payment_id integer, payment_method text,
  memo02 text, status smallint, create_date timestamp NOT NULL, update_date timestamp, del_flg smallint NOT NULL
);
INSERT INTO dtb_order
SELECT g, md5(g::text), CASE WHEN g % 5 = 0 THEN 0 ELSE 1 + (g::bigint * 7919) % 1000000 END, NULL,
  (ARRAY['山田','佐藤','鈴木','高橋','田中','伊藤','渡辺','中村','小林','加藤'])[1 + g % 10],
  (ARRAY['太郎','花子','一郎','美咲','健','さくら','翔','陽菜','大輔','結衣'])[1 + (g / 10) % 10],
  'ヤマダ', 'タロウ',
  CASE WHEN g % 5 = 0 THEN
    (CASE g % 4 WHEN 0 THEN upper('guest' || ((g::bigint * 104729) % 500000) || '@example.com')
                WHEN 1 THEN ' guest' || ((g::bigint * 104729) % 500000) || '@Example.com '
                ELSE 'guest' || ((g::bigint * 104729) % 500000) || '@example.com' END)
  ELSE 'member' || (1 + (g::bigint * 7919) % 1000000) || '@example.jp' END,
  '090', lpad((g % 10000)::text, 4, '0'), lpad(((g / 7) % 10000)::text, 4, '0'), '530', '0001', 1 + g % 47,
  '大阪市北区梅田' || (1 + g % 9) || '-' || (1 + g % 30), '梅田ビル' || (1 + g % 20) || '階',
  1000 + g % 50000, 1000 + g % 50000,
  CASE WHEN g % 20 < 8 THEN 5 WHEN g % 20 = 8 THEN 6 ELSE 1 + g % 4 END, 'x', NULL,
  CASE WHEN g % 33 = 0 THEN 3 ELSE 5 END,
  timestamp '2015-01-01' + (((g::bigint * 2654435761) % 157766400) || ' seconds')::interval,
  NULL, CASE WHEN g % 199 = 0 THEN 1 ELSE 0 END
FROM generate_series(1, :orders) AS g;
VACUUM ANALYZE dtb_order;
"""

TRUTH_SQL = """
SELECT count(DISTINCT CASE WHEN customer_id <> 0 THEN 'm' || customer_id
                           ELSE 'e' || lower(replace(replace(order_email, ' ', ''), chr(9), '')) END)
FROM dtb_order
WHERE payment_id IN (5, 6) AND status <> 3 AND del_flg <> 1
  AND create_date >= :start AND create_date < :end
"""


def _admin() -> sa.Engine:
    return sa.create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")


def _recreate(name: str) -> None:
    with _admin().connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(sa.text(f"CREATE DATABASE {name}"))


def build_shop(orders: int, reuse: bool) -> float:
    url = f"{SERVER}/{SHOP_DB}"
    if reuse:
        try:
            with sa.create_engine(url).connect() as conn:
                if conn.execute(sa.text("SELECT count(*) FROM dtb_order")).scalar() == orders:
                    return 0.0
        except sa.exc.SQLAlchemyError:
            pass
    _recreate(SHOP_DB)
    started = time.perf_counter()
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for statement in SHOP_SQL.split(";\n"):
            if statement.strip():
                conn.execute(sa.text(statement), {"orders": orders} if ":orders" in statement else {})
    engine.dispose()
    return time.perf_counter() - started


def setup_django() -> None:
    _recreate(APP_DB)
    os.environ["DATABASE_URL"] = f"{SERVER.replace('+psycopg', '')}/{APP_DB}"
    os.environ["MAMORI_DATA_DIR"] = tempfile.mkdtemp(prefix="mamori-bench-scope-")
    os.environ["MAMORI_SCAN_ALLOW"] = "127.0.0.1,localhost"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mamori.settings")
    os.environ.setdefault("MAMORI_JOBS_BACKEND", "embedded")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def truth(start: dt.date, end: dt.date) -> int:
    with sa.create_engine(f"{SERVER}/{SHOP_DB}").connect() as conn:
        params = {
            "start": dt.datetime.combine(start, dt.time()),
            "end": dt.datetime.combine(end, dt.time()) + dt.timedelta(days=1),
        }
        return int(conn.execute(sa.text(TRUTH_SQL), params).scalar() or 0)


def scan_baseline() -> float:
    """Seconds for a bare ``count(*)`` of the order table: what reading it once costs on this machine now."""
    with sa.create_engine(f"{SERVER}/{SHOP_DB}").connect() as conn:
        conn.execute(sa.text("SET jit = off"))
        began = time.perf_counter()
        conn.execute(sa.text("SELECT count(*) FROM dtb_order")).scalar()
        return time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep an existing shop database of the same size")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    args = parser.parse_args()
    print(f"building the shop: {args.orders:,} orders ...", file=sys.stderr)
    built = build_shop(args.orders, args.reuse)
    print(f"  {built:.1f} s", file=sys.stderr)
    print("migrating a fresh Mamori database ...", file=sys.stderr)
    setup_django()

    from django.utils import timezone

    from mamori.accounts.policy import SYSTEM
    from mamori.discovery import services as discovery
    from mamori.incidents.models import IncidentCase
    from mamori.scoping import services

    case = IncidentCase.objects.create(title="bench: card breach", discovered_at=timezone.now())
    source = discovery.create_source(
        SYSTEM, {"name": "bench shop", "kind": "database", "location": f"{SERVER.replace('+psycopg', '')}/{SHOP_DB}"}
    )
    baseline = scan_baseline()
    load_before = os.getloadavg()[0]
    rows = []
    for label, start, end in WINDOWS:
        spec = services.Spec("eccube2", start, end, payment_ids=[5, 6], source=source)
        began = time.perf_counter()
        preview = services.preview(SYSTEM, case, spec)
        count_s = time.perf_counter() - began
        began = time.perf_counter()
        scoping = services.start_scoping(SYSTEM, case, spec)
        done = services.run_scoping(scoping.pk)
        run_s = time.perf_counter() - began
        expected = truth(start, end)
        ok = done.status == "succeeded" and done.people_count == expected == preview.people
        rows.append((label, done.orders_count or 0, done.people_count or 0, expected, count_s, run_s, ok, done.error))
    print()
    print(f"Scoping {args.orders:,} EC-CUBE 2.x orders in PostgreSQL (shop built in {built:.0f} s)")
    print(
        f"{os.cpu_count()} CPUs, load average {load_before:.1f} before / {os.getloadavg()[0]:.1f} after; "
        f"a bare count(*) of dtb_order took {baseline:.1f} s"
    )
    print()
    print("| window | card orders in window | affected people | true number | preview count | full run | < 20 s |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for label, orders, people, expected, count_s, run_s, ok, error in rows:
        verdict = "yes" if run_s < 20 else "NO"
        print(
            f"| {label} | {orders:,} | {people:,} | {expected:,}{'' if ok else ' MISMATCH ' + error} "
            f"| {count_s:.1f} s | {run_s:.1f} s | {verdict} |"
        )
    if not args.keep:
        from django.db import connections

        connections.close_all()
        _recreate(APP_DB)
        with _admin().connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {APP_DB} WITH (FORCE)"))
    return 0 if all(r[6] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
