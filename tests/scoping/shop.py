"""EC-CUBE 2.x- and 4.x-shaped shop databases generated for the scoping tests, with the true answer.

The truth is computed here in Python, order by order, from the rules a person would apply by hand (card payment,
inside the window, not cancelled, not deleted; one person per member id, guests per e-mail ignoring case and
spaces) — independently of the SQL the scoping builds. Traps: orders one second outside the window on both
sides and exactly on its edges, cancelled and deleted orders, other payment methods (among them a payment
module that is not a card), guests whose e-mail differs only in case and spaces, a guest order without an
e-mail, 4.x orders never completed (order_date empty).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

WINDOW = (dt.date(2017, 5, 2), dt.date(2018, 6, 20))
CARD_IDS = {"eccube2": [5, 6], "eccube4": [5]}
PREFS = {13: "東京都", 27: "大阪府", 40: "福岡県"}


@dataclass
class Truth:
    flavour: str
    people: set[str] = field(default_factory=set)
    orders: int = 0
    per_person: dict[str, int] = field(default_factory=dict)
    members: set[str] = field(default_factory=set)
    guest_emails: set[str] = field(default_factory=set)


def _norm(email: str) -> str:
    return "".join(email.split()).replace("\u3000", "").lower()


JST = dt.timezone(dt.timedelta(hours=9))


def stored_utc(when: dt.datetime | None, aware: bool) -> dt.datetime | None:
    """A Japan-time moment as EC-CUBE 4.x stores it (Doctrine UTCDateTimeTzType): an instant in a timestamptz
    column on PostgreSQL, naive UTC in a plain datetime elsewhere."""
    if when is None:
        return None
    instant = when.replace(tzinfo=JST).astimezone(dt.UTC)
    return instant if aware else instant.replace(tzinfo=None)


def _tables(flavour: str, meta: sa.MetaData, aware: bool = False) -> tuple[sa.Table, sa.Table, sa.Table]:
    pref = sa.Table("mtb_pref", meta, sa.Column("id", sa.SmallInteger, primary_key=True), sa.Column("name", sa.Text))
    if flavour == "eccube2":
        payment = sa.Table(
            "dtb_payment",
            meta,
            sa.Column("payment_id", sa.Integer, primary_key=True),
            sa.Column("payment_method", sa.Text),
            sa.Column("memo03", sa.Text),
            sa.Column("del_flg", sa.SmallInteger, default=0),
        )
        order = sa.Table(
            "dtb_order",
            meta,
            sa.Column("order_id", sa.Integer, primary_key=True),
            sa.Column("customer_id", sa.Integer, nullable=False),
            sa.Column("order_name01", sa.Text),
            sa.Column("order_name02", sa.Text),
            sa.Column("order_kana01", sa.Text),
            sa.Column("order_kana02", sa.Text),
            sa.Column("order_email", sa.Text),
            sa.Column("order_tel01", sa.Text),
            sa.Column("order_tel02", sa.Text),
            sa.Column("order_tel03", sa.Text),
            sa.Column("order_zip01", sa.Text),
            sa.Column("order_zip02", sa.Text),
            sa.Column("order_pref", sa.SmallInteger),
            sa.Column("order_addr01", sa.Text),
            sa.Column("order_addr02", sa.Text),
            sa.Column("payment_id", sa.Integer),
            sa.Column("payment_method", sa.Text),
            sa.Column("memo02", sa.Text),
            sa.Column("status", sa.SmallInteger),
            sa.Column("create_date", sa.DateTime, nullable=False),
            sa.Column("del_flg", sa.SmallInteger, nullable=False, default=0),
        )
    else:
        payment = sa.Table(
            "dtb_payment",
            meta,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("payment_method", sa.String(255)),
            sa.Column("method_class", sa.String(255)),
            sa.Column("visible", sa.Boolean, default=True),
        )
        order = sa.Table(
            "dtb_order",
            meta,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("customer_id", sa.Integer, nullable=True),
            sa.Column("name01", sa.String(255)),
            sa.Column("name02", sa.String(255)),
            sa.Column("kana01", sa.String(255)),
            sa.Column("kana02", sa.String(255)),
            sa.Column("email", sa.String(255)),
            sa.Column("phone_number", sa.String(14)),
            sa.Column("postal_code", sa.String(8)),
            sa.Column("pref_id", sa.SmallInteger),
            sa.Column("addr01", sa.String(255)),
            sa.Column("addr02", sa.String(255)),
            sa.Column("payment_id", sa.Integer),
            sa.Column("payment_method", sa.String(255)),
            sa.Column("order_status_id", sa.SmallInteger),
            sa.Column("create_date", sa.DateTime(timezone=aware), nullable=False),
            sa.Column("order_date", sa.DateTime(timezone=aware), nullable=True),
        )
    return pref, payment, order


PAYMENTS2 = [
    {"payment_id": 1, "payment_method": "郵便振替", "memo03": None, "del_flg": 0},
    {"payment_id": 2, "payment_method": "現金書留", "memo03": None, "del_flg": 0},
    {"payment_id": 3, "payment_method": "銀行振込", "memo03": None, "del_flg": 0},
    {"payment_id": 4, "payment_method": "代金引換", "memo03": None, "del_flg": 0},
    {"payment_id": 5, "payment_method": "クレジットカード決済", "memo03": "mdl_card", "del_flg": 0},
    {"payment_id": 6, "payment_method": "ペイジェント決済", "memo03": "mdl_paygent", "del_flg": 0},
    {"payment_id": 7, "payment_method": "コンビニ決済", "memo03": "mdl_cvs", "del_flg": 0},
]
CASH = "Eccube\\Service\\Payment\\Method\\Cash"
PAYMENTS4 = [
    {"id": 1, "payment_method": "郵便振替", "method_class": CASH, "visible": True},
    {"id": 2, "payment_method": "現金書留", "method_class": CASH, "visible": True},
    {"id": 3, "payment_method": "銀行振込", "method_class": CASH, "visible": True},
    {"id": 4, "payment_method": "代金引換", "method_class": CASH, "visible": True},
    {"id": 5, "payment_method": "クレジットカード", "method_class": "Plugin\\XPay\\CreditCard", "visible": True},
    {"id": 6, "payment_method": "コンビニ払い", "method_class": "Plugin\\XPay\\Method\\Cvs", "visible": True},
]


def _email_variant(rng: random.Random, email: str) -> str:
    """The same address as people type it: case changed, spaces around (ASCII, tab, full-width)."""
    local, domain = email.split("@")
    choice = rng.randrange(5)
    if choice == 0:
        return email.upper()
    if choice == 1:
        return f"  {local.capitalize()}@{domain.upper()} "
    if choice == 2:
        return f"{email}\t"
    if choice == 3:
        return f"\u3000{email}"
    return email


def build(url: str, flavour: str, seed: int = 7, members: int = 40, guests: int = 30) -> Truth:
    """Create the shop's tables in the (empty) database at ``url`` and return the truth."""
    rng = random.Random(seed)
    meta = sa.MetaData()
    aware = url.startswith("postgres")  # 4.x: timestamptz on PostgreSQL
    pref, payment, order = _tables(flavour, meta, aware)
    engine = sa.create_engine(url)
    meta.create_all(engine)
    truth = Truth(flavour)
    start, end = WINDOW
    inside_first = dt.datetime.combine(start, dt.time())
    inside_last = dt.datetime.combine(end, dt.time(23, 59, 59))
    before = inside_first - dt.timedelta(seconds=1)
    after = inside_last + dt.timedelta(seconds=1)
    card_ids = CARD_IDS[flavour]
    other_ids = [p for p in range(1, 8 if flavour == "eccube2" else 7) if p not in card_ids]
    rows: list[dict[str, Any]] = []
    next_id = [1000]

    def add(
        customer: int | None, email: str | None, when: dt.datetime | None, pay: int, status: int, **kw: Any
    ) -> None:
        next_id[0] += 1
        deleted = kw.pop("deleted", 0)
        person = (kw.pop("name", "山田 太郎")).split(" ")
        pref_id = rng.choice(list(PREFS))
        if flavour == "eccube2":
            row = {
                "order_id": next_id[0],
                "customer_id": customer or 0,
                "order_name01": person[0],
                "order_name02": person[1],
                "order_kana01": "ヤマダ",
                "order_kana02": "タロウ",
                "order_email": email,
                "order_tel01": "03",
                "order_tel02": f"{rng.randint(1000, 9999)}",
                "order_tel03": f"{rng.randint(1000, 9999)}",
                "order_zip01": "530",
                "order_zip02": "0001",
                "order_pref": pref_id,
                "order_addr01": "北区梅田1-1",
                "order_addr02": "101号",
                "payment_id": pay,
                "payment_method": "x",
                "memo02": None,
                "status": status,
                "create_date": when or inside_first,
                "del_flg": deleted,
            }
        else:
            row = {
                "id": next_id[0],
                "customer_id": customer,
                "name01": person[0],
                "name02": person[1],
                "kana01": "ヤマダ",
                "kana02": "タロウ",
                "email": email,
                "phone_number": f"090{rng.randint(10000000, 99999999)}",
                "postal_code": "5300001",
                "pref_id": pref_id,
                "addr01": "北区梅田1-1",
                "addr02": "101号",
                "payment_id": pay,
                "payment_method": "x",
                "order_status_id": status,
                "create_date": stored_utc(when or inside_first, aware),
                "order_date": stored_utc(when, aware),
            }
        rows.append(row)
        # The truth, by hand.
        cancelled = status == 3
        in_window = when is not None and inside_first <= when <= inside_last  # in Japan time
        if pay in card_ids and not cancelled and not deleted and in_window:
            if customer:
                ident = f"member:{customer}"
            elif email and email.strip():
                ident = f"email:{_norm(email)}"
            else:
                ident = f"order:{next_id[0]}"
            truth.people.add(ident)
            truth.orders += 1
            truth.per_person[ident] = truth.per_person.get(ident, 0) + 1

    def random_inside() -> dt.datetime:
        span = int((inside_last - inside_first).total_seconds())
        return inside_first + dt.timedelta(seconds=rng.randrange(span))

    done = 5  # 発送済み in both versions
    for m in range(1, members + 1):
        email = f"member{m}@example.jp"
        for _ in range(rng.randint(0, 4)):  # several card orders per person (some none)
            add(m, email, random_inside(), rng.choice(card_ids), done)
        add(m, email, random_inside(), rng.choice(other_ids), done)  # another payment method
        if m % 5 == 0:
            add(m, email, rng.choice([before, after]), card_ids[0], done)  # just outside
        if m % 7 == 0:
            add(m, email, random_inside(), card_ids[0], 3)  # cancelled
        if m % 11 == 0:
            add(m, email, inside_first, card_ids[0], done)  # exactly on the first second
            add(m, email, inside_last, card_ids[0], done)  # exactly on the last second
        if flavour == "eccube2" and m % 9 == 0:
            add(m, email, random_inside(), card_ids[0], done, deleted=1)
        if flavour == "eccube4" and m % 8 == 0:
            add(m, email, None, card_ids[0], 8)  # 購入処理中: never completed, no order date
    for g in range(1, guests + 1):
        email = f"guest{g}@example.com"
        for _ in range(rng.randint(1, 3)):
            add(None, _email_variant(rng, email), random_inside(), rng.choice(card_ids), done, name="佐藤 花子")
        if g % 4 == 0:
            add(None, email, rng.choice([before, after]), card_ids[0], done)
        if g % 6 == 0:
            add(None, email.upper(), random_inside(), card_ids[0], 3)
        if g % 3 == 0:
            add(None, email, random_inside(), other_ids[-1], done)  # the non-card payment module
    add(None, "", random_inside(), card_ids[0], done, name="匿名 客")  # a guest order without an e-mail
    add(None, "outside-only@example.com", after, card_ids[0], done)
    add(None, "cancelled-only@example.com", random_inside(), card_ids[0], 3)
    with engine.begin() as conn:
        conn.execute(pref.insert(), [{"id": k, "name": v} for k, v in PREFS.items()])
        conn.execute(payment.insert(), PAYMENTS2 if flavour == "eccube2" else PAYMENTS4)
        rng.shuffle(rows)
        conn.execute(order.insert(), rows)
    engine.dispose()
    truth.members = {p for p in truth.people if p.startswith("member:")}
    truth.guest_emails = {p.split(":", 1)[1] for p in truth.people if p.startswith("email:")}
    return truth
