"""Card numbers, lists and an EC-CUBE 2.x-shaped shop database for the card-list tests.

Every number here is generated (Luhn-valid, in a real brand range) by the tests; none is a real card.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import sqlite3
from pathlib import Path

import pytest

from mamori.discovery.models import DataSource, SourceKind


def luhn_complete(body: str) -> str:
    """``body`` plus the check digit that makes it Luhn-valid."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


def make_cards(count: int, seed: int = 7, prefixes: tuple[str, ...] = ("411111", "535310", "356999")) -> list[str]:
    """``count`` distinct 16-digit numbers (Visa, Mastercard, JCB ranges)."""
    rng = random.Random(seed)
    out: list[str] = []
    seen = set()
    while len(out) < count:
        prefix = prefixes[len(out) % len(prefixes)]
        number = luhn_complete(prefix + "".join(rng.choice("0123456789") for _ in range(15 - len(prefix))))
        if number not in seen:
            seen.add(number)
            out.append(number)
    return out


CARDS = make_cards(6)


def grouped(number: str, sep: str = " ") -> str:
    return sep.join(number[i : i + 4] for i in range(0, len(number), 4))


def full_width(text: str) -> str:
    return text.translate(str.maketrans("0123456789 -", "０１２３４５６７８９　－"))


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    for row in rows:
        out.write(",".join(row) + "\r\n")
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def memo02(card: str) -> str:
    """A payment module's PHP-serialized memo02 with the card number in it (what leaked in 2018)."""
    return f'a:2:{{s:9:"card_no";s:{len(card)}:"{card}";s:6:"expire";s:5:"12/29";}}'


def build_eccube2(path: Path, orders: list[tuple[int, int, str, str | None]]) -> None:
    """dtb_order rows (order_id, customer_id, order_email, card in memo02 or None) and a dtb_payment table."""
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE dtb_payment (payment_id INTEGER PRIMARY KEY, payment_method TEXT, memo03 TEXT, del_flg INTEGER);
        INSERT INTO dtb_payment VALUES (1, 'クレジットカード', 'mdl_card', 0), (2, '銀行振込', NULL, 0);
        CREATE TABLE dtb_order (
            order_id INTEGER PRIMARY KEY, customer_id INTEGER, order_email TEXT, order_name01 TEXT, order_name02 TEXT,
            payment_id INTEGER, status INTEGER, del_flg INTEGER, create_date TEXT, memo02 TEXT, note TEXT
        );
        """
    )
    for order_id, customer_id, email, card in orders:
        conn.execute(
            "INSERT INTO dtb_order VALUES (?, ?, ?, '山田', '太郎', 1, 1, 0, '2018-05-10 10:00:00', ?, '')",
            (order_id, customer_id, email, memo02(card) if card else None),
        )
    conn.commit()
    conn.close()


@pytest.fixture
def allowed(settings, tmp_path) -> Path:
    folder = tmp_path / "shop"
    folder.mkdir()
    settings.MAMORI_SCAN_ALLOW = [str(folder)]
    return folder


@pytest.fixture
def shop_db(allowed) -> Path:
    """Orders paid with CARDS[0] (member 101), CARDS[1] (guest), CARDS[4] (member 102); CARDS[2], [3] nowhere."""
    path = allowed / "eccube.db"
    build_eccube2(
        path,
        [
            (1, 101, "Taro@Example.jp", CARDS[0]),
            (2, 0, "guest@example.jp", CARDS[1]),
            (3, 102, "hanako@example.jp", CARDS[4]),
            (4, 103, "jiro@example.jp", None),
        ],
    )
    return path


@pytest.fixture
def shop_source(shop_db) -> DataSource:
    return DataSource.objects.create(name="EC-CUBE shop", kind=SourceKind.DATABASE, location=f"sqlite:///{shop_db}")


def received() -> dt.date:
    return dt.date(2018, 7, 1)
