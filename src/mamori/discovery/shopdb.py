"""EC-CUBE-shaped shop databases with generated customers and orders, and card data planted where real
breaches found it: the payment memo column (PHP-serialized), serialized session data, a plugin's card log.

Used by the database-scanner tests, its benchmark and the demo. ``build_shop_db(url)`` creates the tables
through SQLAlchemy on SQLite, PostgreSQL or MySQL/MariaDB and returns the truth: which columns hold which
kind of data. Nothing here imports Django. Deterministic for a seed.
"""

from __future__ import annotations

import hashlib
import random
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

import sqlalchemy as sa

from mamori.discovery.corpus import _card_number as card_number
from mamori.discovery.corpus import _Person as Person
from mamori.discovery.corpus import _person as person

CARD = "credit_card_number"
CVV = "card_security_code"
EXPIRY = "card_expiry"
NAME = "person_name"
EMAIL = "email_address"
PHONE = "phone_number"
POSTAL = "postal_code"
ADDRESS = "address"
PROHIBITED = frozenset({CARD, CVV, EXPIRY})
START = datetime(2017, 5, 2, 9, 0, 0)


@dataclass
class ShopTruth:
    """What was planted: ``{(table, column): {types}}`` for columns with data, plus columns known clean."""

    flavour: str
    columns: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    clean: set[tuple[str, str]] = field(default_factory=set)
    rows: dict[str, int] = field(default_factory=dict)
    card_numbers: set[str] = field(default_factory=set)  # in memory only, to check no output holds one

    def card_columns(self) -> set[tuple[str, str]]:
        return {col for col, types in self.columns.items() if types & PROHIBITED}

    def mark(self, table: str, column: str, *types: str) -> None:
        self.columns.setdefault((table, column), set()).update(types)


def php_serialize(value: object) -> str:
    """PHP's serialize() for str/int/dict — enough to write what EC-CUBE payment modules store."""
    if isinstance(value, bool):
        return f"b:{int(value)};"
    if isinstance(value, int):
        return f"i:{value};"
    if isinstance(value, str):
        return f's:{len(value.encode())}:"{value}";'
    if isinstance(value, dict):
        items = "".join(php_serialize(k) + php_serialize(v) for k, v in value.items())
        return f"a:{len(value)}:{{{items}}}"
    raise TypeError(f"cannot serialize {type(value).__name__}")


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _alnum(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(n))


def _expiry(rng: random.Random) -> tuple[int, int]:
    return rng.randint(1, 12), rng.randint(2019, 2026)


def _card(rng: random.Random, truth: ShopTruth) -> tuple[str, str, str, str]:
    number = card_number(rng)
    truth.card_numbers.add(number)
    month, year = _expiry(rng)
    cvv = f"{rng.randint(0, 9999):04d}" if number.startswith(("34", "37")) else f"{rng.randint(0, 999):03d}"
    return number, f"{month:02d}/{year % 100:02d}", cvv, person(rng).roman.upper()


def build_shop_db(
    url: str | sa.engine.URL,
    *,
    flavour: str = "eccube2",
    customers: int = 200,
    orders: int = 400,
    seed: int = 2018,
    plant: bool = True,
) -> ShopTruth:
    """Create the shop's tables at ``url`` (dropping existing ones of the same names) and fill them."""
    builders = {"eccube2": _eccube2, "eccube4": _eccube4}
    if flavour not in builders:
        raise ValueError(f"unknown shop flavour {flavour!r} (expected one of: {', '.join(builders)})")
    engine = sa.create_engine(url)
    rng = random.Random(seed)
    truth = ShopTruth(flavour)
    try:
        with engine.begin() as conn:
            builders[flavour](conn, rng, truth, customers, orders, plant)
    finally:
        engine.dispose()
    return truth


def _create(conn: sa.Connection, table: sa.Table) -> None:
    table.drop(conn, checkfirst=True)
    table.create(conn)


def _insert(conn: sa.Connection, table: sa.Table, rows: Iterable[dict[str, object]], truth: ShopTruth) -> None:
    batch = list(rows)
    if batch:
        conn.execute(table.insert(), batch)
    truth.rows[table.name] = len(batch)


def _str(n: int | None = None) -> sa.types.TypeEngine[str]:
    return sa.String(n) if n else sa.Text()


def _eccube2(conn: sa.Connection, rng: random.Random, truth: ShopTruth, n_cust: int, n_ord: int, plant: bool) -> None:
    md = sa.MetaData()
    customer = sa.Table(
        "dtb_customer",
        md,
        sa.Column("customer_id", sa.Integer, primary_key=True, autoincrement=False),
        *(
            sa.Column(c, _str(100))
            for c in (
                "name01",
                "name02",
                "kana01",
                "kana02",
                "zip01",
                "zip02",
                "pref",
                "addr01",
                "addr02",
                "email",
                "tel01",
                "tel02",
                "tel03",
            )
        ),
        sa.Column("sex", sa.SmallInteger),
        sa.Column("birth", sa.DateTime),
        sa.Column("password", _str(128)),
        sa.Column("salt", _str(32)),
        sa.Column("secret_key", _str(64)),
        sa.Column("buy_times", sa.Integer),
        sa.Column("buy_total", sa.Numeric(12, 0)),
        sa.Column("point", sa.Integer),
        sa.Column("status", sa.SmallInteger),
        sa.Column("create_date", sa.DateTime),
        sa.Column("del_flg", sa.SmallInteger),
    )
    order = sa.Table(
        "dtb_order",
        md,
        sa.Column("order_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("customer_id", sa.Integer),
        *(
            sa.Column(c, _str(100))
            for c in (
                "order_name01",
                "order_name02",
                "order_kana01",
                "order_kana02",
                "order_email",
                "order_tel01",
                "order_tel02",
                "order_tel03",
                "order_zip01",
                "order_zip02",
                "order_pref",
                "order_addr01",
                "order_addr02",
            )
        ),
        *(
            sa.Column(c, sa.Numeric(12, 0))
            for c in ("subtotal", "deliv_fee", "charge", "tax", "total", "payment_total")
        ),
        sa.Column("payment_id", sa.Integer),
        sa.Column("payment_method", _str(100)),
        sa.Column("status", sa.SmallInteger),
        sa.Column("create_date", sa.DateTime),
        *(sa.Column(f"memo{i:02d}", _str()) for i in range(1, 6)),
        sa.Column("del_flg", sa.SmallInteger),
    )
    order_temp = sa.Table(
        "dtb_order_temp",
        md,
        sa.Column("order_temp_id", _str(64), primary_key=True),
        sa.Column("customer_id", sa.Integer),
        sa.Column("order_email", _str(100)),
        sa.Column("total", sa.Numeric(12, 0)),
        sa.Column("session", _str()),
        sa.Column("create_date", sa.DateTime),
    )
    card_log = sa.Table(
        "plg_card_log",
        md,
        sa.Column("log_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("order_id", sa.Integer),
        sa.Column("card_no", _str(32)),
        sa.Column("card_expire", _str(8)),
        sa.Column("security_code", _str(8)),
        sa.Column("holder_name", _str(100)),
        sa.Column("create_date", sa.DateTime),
    )
    status = sa.Table(
        "mtb_order_status",
        md,
        sa.Column("id", sa.SmallInteger, primary_key=True, autoincrement=False),
        sa.Column("name", _str(50)),
        sa.Column("rank", sa.SmallInteger),
    )
    for table in (customer, order, order_temp, card_log, status):
        _create(conn, table)

    people = [person(rng) for _ in range(n_cust)]
    _insert(conn, customer, (_customer2(rng, i + 1, p) for i, p in enumerate(people)), truth)
    for col, kind in (
        ("name01", NAME),
        ("name02", NAME),
        ("kana01", NAME),
        ("kana02", NAME),
        ("email", EMAIL),
        ("addr01", ADDRESS),
        ("zip01", POSTAL),
        ("tel01", PHONE),
    ):
        truth.mark("dtb_customer", col, kind)
    truth.clean |= {
        ("dtb_customer", c)
        for c in (
            "password",
            "salt",
            "secret_key",
            "buy_total",
            "point",
            "status",
            "del_flg",
            "customer_id",
            "buy_times",
        )
    }

    order_rows: list[dict[str, object]] = []
    temp_rows: list[dict[str, object]] = []
    log_rows: list[dict[str, object]] = []
    for i in range(n_ord):
        p = people[rng.randrange(n_cust)]
        by_card = rng.random() < 0.6
        row = _order2(rng, i + 1, rng.randrange(1, n_cust + 1), p, by_card)
        if by_card and plant:
            number, exp, cvv, holder = _card(rng, truth)
            row["memo02"] = php_serialize(
                {
                    "title": "クレジットカード決済",
                    "card_no": number,
                    "card_expire": exp,
                    "security_code": cvv,
                    "card_holder": holder,
                    "pay_times": "1",
                }
            )
            log_rows.append(
                {
                    "log_id": len(log_rows) + 1,
                    "order_id": i + 1,
                    "card_no": number,
                    "card_expire": exp,
                    "security_code": cvv,
                    "holder_name": holder,
                    "create_date": row["create_date"],
                }
            )
            if rng.random() < 0.5:
                n2, e2, c2, _ = _card(rng, truth)
                session = {
                    "cart": {"product_id": str(rng.randint(1, 500))},
                    "site": {"pre_page": "/shopping/"},
                    "payment": {"card_no": n2, "expire": e2, "cvv": c2},
                }
                temp_rows.append(
                    {
                        "order_temp_id": _hex(rng, 32),
                        "customer_id": row["customer_id"],
                        "order_email": p.email,
                        "total": row["total"],
                        "session": php_serialize(session),
                        "create_date": row["create_date"],
                    }
                )
        order_rows.append(row)
    # Orders abandoned before payment: session data without card data.
    for _ in range(max(1, n_ord // 10)):
        temp_rows.append(
            {
                "order_temp_id": _hex(rng, 32),
                "customer_id": 0,
                "order_email": person(rng).email,
                "total": rng.randint(500, 30000),
                "session": php_serialize({"cart": {"product_id": str(rng.randint(1, 500))}}),
                "create_date": START,
            }
        )
    _insert(conn, order, order_rows, truth)
    _insert(conn, order_temp, temp_rows, truth)
    _insert(conn, card_log, log_rows, truth)
    _insert(
        conn,
        status,
        [
            {"id": i, "name": n, "rank": i}
            for i, n in enumerate(
                ("新規受付", "入金待ち", "キャンセル", "取り寄せ中", "発送済み", "入金済み", "決済処理中"), start=1
            )
        ],
        truth,
    )
    for col, kind in (
        ("order_name01", NAME),
        ("order_kana01", NAME),
        ("order_email", EMAIL),
        ("order_addr01", ADDRESS),
    ):
        truth.mark("dtb_order", col, kind)
    truth.clean |= {
        ("dtb_order", c)
        for c in (
            "order_id",
            "customer_id",
            "subtotal",
            "deliv_fee",
            "charge",
            "tax",
            "total",
            "payment_total",
            "payment_id",
            "status",
            "del_flg",
        )
    }
    truth.clean |= {("mtb_order_status", c) for c in ("id", "name", "rank")}
    truth.clean |= {("dtb_order_temp", c) for c in ("order_temp_id", "customer_id", "total")}
    if plant:
        truth.mark("dtb_order", "memo02", CARD, EXPIRY, CVV)
        truth.mark("dtb_order_temp", "session", CARD, EXPIRY, CVV)
        truth.mark("plg_card_log", "card_no", CARD)
        truth.mark("plg_card_log", "card_expire", EXPIRY)
        truth.mark("plg_card_log", "security_code", CVV)
        truth.mark("plg_card_log", "holder_name", NAME)
    truth.clean |= {("plg_card_log", c) for c in ("log_id", "order_id")}


def _names(p: Person, prefix: str = "") -> dict[str, object]:
    """Surname, given name and their kana in the four columns EC-CUBE uses (name01/02, kana01/02)."""
    sur, given = p.kanji.split(" ")
    ksur, kgiven = p.kana.split(" ")
    return {f"{prefix}name01": sur, f"{prefix}name02": given, f"{prefix}kana01": ksur, f"{prefix}kana02": kgiven}


def _split_contact(p: Person, prefix: str = "") -> dict[str, object]:
    """EC-CUBE 2.x keeps postal codes in two columns and phone numbers in three."""
    zip1, zip2 = p.postal.split("-")
    tel = p.phone.split("-")
    return {
        f"{prefix}zip01": zip1,
        f"{prefix}zip02": zip2,
        f"{prefix}tel01": tel[0],
        f"{prefix}tel02": tel[1],
        f"{prefix}tel03": tel[2],
    }


def _customer2(rng: random.Random, cid: int, p: Person) -> dict[str, object]:
    return {
        "customer_id": cid,
        **_names(p),
        **_split_contact(p),
        "pref": p.pref,
        "addr01": p.address.removeprefix(p.pref),
        "addr02": "",
        "email": p.email,
        "sex": rng.randint(1, 2),
        "birth": datetime(1960, 1, 1) + timedelta(days=rng.randint(0, 16000)),
        "password": hashlib.sha256(_alnum(rng, 12).encode()).hexdigest(),
        "salt": _alnum(rng, 10),
        "secret_key": _alnum(rng, 30),
        "buy_times": rng.randint(0, 40),
        "buy_total": rng.randint(0, 500000),
        "point": rng.randint(0, 5000),
        "status": 2,
        "create_date": START + timedelta(minutes=rng.randint(0, 800000)),
        "del_flg": 0,
    }


def _order2(rng: random.Random, oid: int, cid: int, p: Person, by_card: bool) -> dict[str, object]:
    subtotal = rng.randint(300, 60000)
    tax = subtotal * 8 // 100
    return {
        "order_id": oid,
        "customer_id": cid,
        **_names(p, "order_"),
        "order_email": p.email,
        **_split_contact(p, "order_"),
        "order_pref": p.pref,
        "order_addr01": p.address,
        "order_addr02": "",
        "subtotal": subtotal,
        "deliv_fee": 800,
        "charge": 0,
        "tax": tax,
        "total": subtotal + tax + 800,
        "payment_total": subtotal + tax + 800,
        "payment_id": 5 if by_card else 3,
        "payment_method": "クレジットカード決済" if by_card else "銀行振込",
        "status": rng.randint(1, 7),
        "create_date": START + timedelta(minutes=rng.randint(0, 800000)),
        "memo01": None,
        "memo02": php_serialize({"title": "銀行振込", "bank": "浪速銀行 本店"}) if not by_card else None,
        "memo03": "mdl_card" if by_card else None,
        "memo04": None,
        "memo05": None,
        "del_flg": 0,
    }


def _eccube4(conn: sa.Connection, rng: random.Random, truth: ShopTruth, n_cust: int, n_ord: int, plant: bool) -> None:
    md = sa.MetaData()
    customer = sa.Table(
        "dtb_customer",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        *(
            sa.Column(c, _str(255))
            for c in (
                "name01",
                "name02",
                "kana01",
                "kana02",
                "postal_code",
                "addr01",
                "addr02",
                "email",
                "phone_number",
                "password",
                "salt",
                "secret_key",
            )
        ),
        sa.Column("birth", sa.DateTime),
        sa.Column("buy_times", sa.Numeric(10, 0)),
        sa.Column("buy_total", sa.Numeric(12, 2)),
        sa.Column("point", sa.Numeric(12, 0)),
        sa.Column("customer_status_id", sa.SmallInteger),
        sa.Column("pref_id", sa.SmallInteger),
        sa.Column("create_date", sa.DateTime),
    )
    order = sa.Table(
        "dtb_order",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("order_no", _str(255)),
        sa.Column("customer_id", sa.Integer),
        *(
            sa.Column(c, _str(255))
            for c in (
                "name01",
                "name02",
                "kana01",
                "kana02",
                "email",
                "phone_number",
                "postal_code",
                "addr01",
                "addr02",
                "payment_method",
                "gmo_payment_token",
            )
        ),
        sa.Column("note", _str()),
        *(sa.Column(c, sa.Numeric(12, 2)) for c in ("subtotal", "tax", "total", "payment_total")),
        sa.Column("order_status_id", sa.SmallInteger),
        sa.Column("create_date", sa.DateTime),
    )
    shipping = sa.Table(
        "dtb_shipping",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("order_id", sa.Integer),
        *(
            sa.Column(c, _str(255))
            for c in ("name01", "kana01", "phone_number", "postal_code", "addr01", "tracking_number")
        ),
    )
    card_log = sa.Table(
        "plg_credit_card_log",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("order_id", sa.Integer),
        sa.Column("card_number", sa.BigInteger),
        sa.Column("expiry_month", sa.SmallInteger),
        sa.Column("expiry_year", sa.SmallInteger),
        sa.Column("cvc", _str(4)),
        sa.Column("card_holder", _str(100)),
    )
    for table in (customer, order, shipping, card_log):
        _create(conn, table)

    people = [person(rng) for _ in range(n_cust)]
    cust_rows = []
    for i, p in enumerate(people):
        cust_rows.append(
            {
                "id": i + 1,
                **_names(p),
                "postal_code": p.postal.replace("-", ""),
                "addr01": p.address,
                "addr02": "",
                "email": p.email,
                "phone_number": p.phone.replace("-", ""),
                "password": hashlib.sha256(_alnum(rng, 12).encode()).hexdigest(),
                "salt": _hex(rng, 10),
                "secret_key": _alnum(rng, 32),
                "birth": datetime(1970, 1, 1) + timedelta(days=rng.randint(0, 12000)),
                "buy_times": rng.randint(0, 30),
                "buy_total": rng.randint(0, 400000),
                "point": rng.randint(0, 3000),
                "customer_status_id": 2,
                "pref_id": rng.randint(1, 47),
                "create_date": START + timedelta(minutes=rng.randint(0, 800000)),
            }
        )
    _insert(conn, customer, cust_rows, truth)
    for col, kind in (
        ("name01", NAME),
        ("kana01", NAME),
        ("email", EMAIL),
        ("phone_number", PHONE),
        ("addr01", ADDRESS),
    ):
        truth.mark("dtb_customer", col, kind)
    truth.clean |= {
        ("dtb_customer", c)
        for c in (
            "id",
            "password",
            "salt",
            "secret_key",
            "buy_times",
            "buy_total",
            "point",
            "customer_status_id",
            "pref_id",
        )
    }
    order_rows: list[dict[str, object]] = []
    ship_rows: list[dict[str, object]] = []
    log_rows: list[dict[str, object]] = []
    for i in range(n_ord):
        p = people[rng.randrange(n_cust)]
        names = _names(p)
        subtotal = rng.randint(300, 60000)
        by_card = rng.random() < 0.6
        note = None
        if by_card and plant:
            number, exp, cvv, holder = _card(rng, truth)
            month, year = exp.split("/")
            log_rows.append(
                {
                    "id": len(log_rows) + 1,
                    "order_id": i + 1,
                    "card_number": int(number),
                    "expiry_month": int(month),
                    "expiry_year": 2000 + int(year),
                    "cvc": cvv,
                    "card_holder": holder,
                }
            )
            if rng.random() < 0.3:
                note = "決済エラー調査用: " + urlencode({"card_no": number, "security_code": cvv, "expire": exp})
        order_rows.append(
            {
                "id": i + 1,
                "order_no": f"{rng.randint(10**7, 10**8 - 1)}",
                "customer_id": rng.randint(1, n_cust),
                **names,
                "email": p.email,
                "phone_number": p.phone.replace("-", ""),
                "postal_code": p.postal.replace("-", ""),
                "addr01": p.address,
                "addr02": "",
                "payment_method": "クレジットカード" if by_card else "銀行振込",
                "gmo_payment_token": _hex(rng, 32) if by_card else None,
                "note": note,
                "subtotal": subtotal,
                "tax": subtotal // 10,
                "total": subtotal * 11 // 10,
                "payment_total": subtotal * 11 // 10,
                "order_status_id": rng.randint(1, 9),
                "create_date": START + timedelta(minutes=rng.randint(0, 800000)),
            }
        )
        ship_rows.append(
            {
                "id": i + 1,
                "order_id": i + 1,
                "name01": names["name01"],
                "kana01": names["kana01"],
                "phone_number": p.phone,
                "postal_code": p.postal.replace("-", ""),
                "addr01": p.address,
                "tracking_number": f"{rng.randint(10**11, 10**12 - 1)}",
            }
        )
    _insert(conn, order, order_rows, truth)
    _insert(conn, shipping, ship_rows, truth)
    _insert(conn, card_log, log_rows, truth)
    for col, kind in (("name01", NAME), ("email", EMAIL), ("phone_number", PHONE), ("addr01", ADDRESS)):
        truth.mark("dtb_order", col, kind)
    truth.clean |= {
        ("dtb_order", c)
        for c in (
            "id",
            "order_no",
            "customer_id",
            "gmo_payment_token",
            "subtotal",
            "tax",
            "total",
            "payment_total",
            "order_status_id",
        )
    }
    truth.clean |= {("dtb_shipping", c) for c in ("id", "order_id", "tracking_number")}
    if plant:
        # The expiry sits URL-encoded after free text ("expire=05%2F25"): not required to be found.
        truth.mark("dtb_order", "note", CARD, CVV)
        truth.mark("plg_credit_card_log", "card_number", CARD)
        truth.mark("plg_credit_card_log", "cvc", CVV)
        truth.mark("plg_credit_card_log", "card_holder", NAME)
        truth.mark("plg_credit_card_log", "expiry_month", EXPIRY)
        truth.mark("plg_credit_card_log", "expiry_year", EXPIRY)
    truth.clean |= {("plg_credit_card_log", c) for c in ("id", "order_id")}
