"""Create the 5,000,000-row × 20-column PostgreSQL table the database benchmark reads.

Generated inside PostgreSQL with generate_series (fast, no client round trips). One row in 5,000 carries a
PHP-serialized payment memo with a public test card number and a security code, as EC-CUBE payment
modules stored them.
"""

from __future__ import annotations

import sys
import time

import sqlalchemy as sa

SQL = """
DROP TABLE IF EXISTS bench_orders;
CREATE TABLE bench_orders (
  id bigint PRIMARY KEY, customer_id integer, name01 text, name02 text, kana01 text, kana02 text,
  email text, tel text, zip text, pref smallint, addr01 text, total numeric(12,0), status smallint,
  created timestamptz, payment_method text, memo02 text, payment_token text, password text, point integer,
  note text
);
INSERT INTO bench_orders
SELECT g, g % 100000,
  (ARRAY['山田','佐藤','鈴木','高橋','田中','伊藤','渡辺','中村','小林','加藤'])[1 + g % 10],
  (ARRAY['太郎','花子','一郎','美咲','健','さくら','翔','陽菜','大輔','結衣'])[1 + (g / 10) % 10],
  (ARRAY['ヤマダ','サトウ','スズキ','タカハシ','タナカ','イトウ','ワタナベ','ナカムラ','コバヤシ',
         'カトウ'])[1 + g % 10],
  (ARRAY['タロウ','ハナコ','イチロウ','ミサキ','ケン','サクラ','ショウ','ヒナ','ダイスケ','ユイ'])[1 + (g / 10) % 10],
  'user' || g || '@example.jp',
  '090-' || lpad((g % 10000)::text, 4, '0') || '-' || lpad(((g / 7) % 10000)::text, 4, '0'),
  lpad((g % 1000)::text, 3, '0') || '-' || lpad(((g / 3) % 10000)::text, 4, '0'),
  1 + g % 47,
  (ARRAY['大阪府大阪市浪速区日本橋','東京都千代田区丸の内','愛知県名古屋市中区栄',
         '福岡県福岡市博多区博多駅前'])[1 + g % 4]
    || (1 + g % 9) || '-' || (1 + g % 30) || '-' || (1 + g % 20),
  (g * 37) % 100000, (g % 7) + 1, timestamptz '2017-05-02' + (g || ' seconds')::interval,
  CASE WHEN g % 3 = 0 THEN 'クレジットカード決済' ELSE '銀行振込' END,
  CASE WHEN g % 5000 = 0 THEN 'a:3:{s:7:"card_no";s:16:"4111111111111111";s:13:"security_code";s:3:"123";'
       || 's:11:"card_expire";s:5:"12/25";}' ELSE NULL END,
  md5(g::text), md5('pw' || g::text), g % 5000,
  CASE WHEN g % 11 = 0 THEN '配達時間指定あり' ELSE NULL END
FROM generate_series(1, :rows) AS g;
ANALYZE bench_orders;
"""


def main(url: str, rows: int) -> None:
    engine = sa.create_engine(url)
    started = time.perf_counter()
    with engine.begin() as conn:
        for statement in SQL.split(";\n"):
            if statement.strip():
                conn.execute(sa.text(statement), {"rows": rows} if ":rows" in statement else {})
    print(f"created bench_orders with {rows:,} rows in {time.perf_counter() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5_000_000)
