"""The scoping query against EC-CUBE 2.x- and 4.x-shaped shops on SQLite, PostgreSQL and MariaDB: the count is
the true number of people, computed by hand in tests/scoping/shop.py, whatever traps the data holds."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from mamori.discovery.engine.database import connect
from mamori.scoping import mapping as maps
from mamori.scoping import query
from tests.scoping import shop


def _open(url: str) -> sa.Engine:
    return connect.open_readonly(connect.parse_url(url))


@pytest.mark.parametrize("flavour", ["eccube2", "eccube4"])
def test_the_count_and_the_people_are_the_true_ones(shop_url, flavour):
    # given a shop with members, guests, several card orders each, orders just outside the window on both
    # sides, cancelled and deleted orders, other payment methods and guest e-mails in different case/spacing
    truth = shop.build(shop_url, flavour)
    engine = _open(shop_url)
    # when
    with engine.connect() as conn, conn.begin():
        query.begin_read_only(conn)
        bound = maps.bind(conn, maps.preset(flavour, shop.CARD_IDS[flavour]), flavour)
        people, orders = query.count(conn, bound, *shop.WINDOW)
        listed = list(query.people(conn, bound, *shop.WINDOW))
    engine.dispose()
    # then
    assert (people, orders) == (len(truth.people), truth.orders)
    assert {p.identity for p in listed} == truth.people
    assert all(p.orders == truth.per_person[p.identity] for p in listed)
    assert all(p.first_order_at <= p.last_order_at for p in listed)
    guest = next(p for p in listed if p.identity.startswith("email:"))
    assert guest.name and guest.email and guest.address.startswith(("東京都", "大阪府", "福岡県"))
    member = next(p for p in listed if p.identity.startswith("member:"))
    assert member.member_id == member.identity.split(":")[1]


@pytest.mark.parametrize("flavour", ["eccube2", "eccube4"])
def test_the_default_payment_choice_is_the_card_payments_only(tmp_path, flavour):
    # given
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    shop.build(url, flavour)
    engine = _open(url)
    # when
    with engine.connect() as conn:
        payments = query.payments(conn, flavour)
    engine.dispose()
    # then: card modules yes; bank transfer, cash and the convenience-store module no
    assert [p.id for p in payments if p.card_like] == shop.CARD_IDS[flavour]


def test_a_generic_mapping_gives_the_same_answer_as_the_preset(tmp_path):
    # given an EC-CUBE 4 shop described by hand, as for any other schema
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    truth = shop.build(url, "eccube4")
    mapping = maps.parse(
        {
            "table": "dtb_order",
            "date_column": "order_date",
            "member_column": "customer_id",
            "email_column": "email",
            "timestamps": "utc",  # EC-CUBE 4.x keeps UTC
            "filters": [
                {"column": "order_status_id", "op": "ne", "value": 3},
                {"column": "payment_id", "op": "in", "value": [5]},
            ],
            "contact": {"name": ["name01", "name02"], "email": ["email"], "phone": "phone_number"},
        }
    )
    engine = _open(url)
    # when
    with engine.connect() as conn:
        bound = maps.bind(conn, mapping)
        people, orders = query.count(conn, bound, *shop.WINDOW)
    engine.dispose()
    # then
    assert (people, orders) == (len(truth.people), truth.orders)
    assert mapping.key_column == "id"  # found from the primary key


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"table": "orders; DROP TABLE dtb_order"}, "table: 'orders; DROP TABLE dtb_order' is not a plain"),
        ({"table": "no_such_table"}, "table: 'no_such_table' not found"),
        ({"date_column": "ordered"}, "date_column: the table dtb_order has no column 'ordered'"),
        (
            {"filters": [{"column": "1=1 OR status", "op": "eq", "value": 1}]},
            "filters[1].column: '1=1 OR status' is not a plain",
        ),
        ({"filters": [{"column": "order_status_id", "op": "LIKE", "value": 1}]}, "filters[1].op: 'LIKE'"),
        ({"filters": [{"column": "order_status_id", "op": "eq", "value": {"x": 1}}]}, "a number or text"),
        ({"contact": {"card": ["email"]}}, "contact.card: unknown field"),
        ({"contact": {"name": ["nope"]}}, "contact.name: the table dtb_order has no column 'nope'"),
        ({"member_column": "", "email_column": ""}, "identity: give a member id column"),
    ],
)
def test_a_generic_mapping_accepts_only_existing_columns_and_known_operators(tmp_path, change, message):
    # given
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    shop.build(url, "eccube4")
    data = {"table": "dtb_order", "date_column": "order_date", "member_column": "customer_id", "email_column": "email"}
    data.update(change)
    engine = _open(url)
    # when / then
    pattern = re.escape(message)
    with pytest.raises(maps.MappingError, match=pattern), engine.connect() as conn:
        maps.bind(conn, maps.parse(data))
    engine.dispose()


def test_a_preset_on_the_other_version_says_which_preset_fits(tmp_path):
    # given an EC-CUBE 4 shop
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    shop.build(url, "eccube4")
    engine = _open(url)
    # when / then
    with pytest.raises(maps.MappingError, match="use the eccube4 preset"), engine.connect() as conn:
        maps.bind(conn, maps.preset("eccube2", [5]), "eccube2")
    engine.dispose()


def test_the_scoping_connection_writes_nothing(shop_url):
    # given
    shop.build(shop_url, "eccube2")
    engine = _open(shop_url)
    # when / then: the scanner's read-only connection refuses a write
    with pytest.raises(sa.exc.SQLAlchemyError), engine.connect() as conn, conn.begin():
        query.begin_read_only(conn)
        conn.execute(sa.text("DELETE FROM dtb_order"))
    engine.dispose()


@pytest.mark.parametrize("flavour", ["eccube2", "eccube4"])
def test_the_postgresql_copy_rows_are_the_rows_python_makes(postgres_url, flavour):
    # given
    shop.build(postgres_url, flavour)
    engine = _open(postgres_url)
    with engine.connect() as conn, conn.begin():
        query.begin_read_only(conn)
        bound = maps.bind(conn, maps.preset(flavour, shop.CARD_IDS[flavour]), flavour)
        # when
        copied = {row[1]: row for row in conn.execute(query.pg_copy_query(bound, *shop.WINDOW, 7, conn))}
        made = list(query.people(conn, bound, *shop.WINDOW))
    engine.dispose()
    # then: the same person, field by field
    assert len(copied) == len(made)
    for p in made:
        row = copied[p.identity]
        expected = (7, p.identity, p.member_id, p.name, p.kana, p.email, p.phone, p.postal_code, p.address, p.orders)
        assert tuple(row[:10]) == expected
        assert (row[10], row[11]) == (p.first_order_at, p.last_order_at)


def test_latest_orders_are_looked_up_by_index_only_where_the_key_has_one(postgres_url):
    # given an EC-CUBE 2 shop, read once by its primary key and once by a column without an index
    truth = shop.build(postgres_url, "eccube2")
    by_key = maps.preset("eccube2", shop.CARD_IDS["eccube2"])
    by_column = maps.preset("eccube2", shop.CARD_IDS["eccube2"])
    by_column.key_column = "order_tel03"
    engine = _open(postgres_url)
    with engine.connect() as conn, conn.begin():
        query.begin_read_only(conn)
        indexed, plain = maps.bind(conn, by_key, "eccube2"), maps.bind(conn, by_column, "eccube2")
        # when the people are copied out with the primary key
        lines = b"".join(query.pg_copy_blocks(conn, indexed, *shop.WINDOW, 7)).splitlines()
        hash_joins = conn.execute(sa.text("SHOW enable_hashjoin")).scalar()
    engine.dispose()
    # then one index lookup per person is used only where there is an index, and the setting is restored
    assert (query.key_indexed(indexed), query.key_indexed(plain)) == (True, False)
    assert len(lines) == len(truth.people)
    assert hash_joins == "on"


@pytest.mark.parametrize("flavour", ["eccube2", "eccube4"])
def test_the_preview_counts_in_one_pass_and_shows_the_first_people(shop_url, flavour):
    # given
    truth = shop.build(shop_url, flavour)
    engine = _open(shop_url)
    with engine.connect() as conn, conn.begin():
        query.begin_read_only(conn)
        bound = maps.bind(conn, maps.preset(flavour, shop.CARD_IDS[flavour]), flavour)
        # when
        people, orders, sample = query.preview(conn, bound, *shop.WINDOW, 5)
        first = list(query.people(conn, bound, *shop.WINDOW, limit=5))
    engine.dispose()
    # then
    assert (people, orders) == (len(truth.people), truth.orders)
    assert sample == first


def test_an_empty_window_previews_as_nobody(tmp_path):
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    shop.build(url, "eccube2")
    engine = _open(url)
    with engine.connect() as conn:
        bound = maps.bind(conn, maps.preset("eccube2", [5]), "eccube2")
        assert query.preview(conn, bound, dt.date(2001, 1, 1), dt.date(2001, 12, 31)) == (0, 0, [])
    engine.dispose()


def test_the_row_identity_expression_names_the_same_people(tmp_path):
    # given (card-list matching links order rows to people with it)
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    truth = shop.build(url, "eccube2")
    engine = _open(url)
    with engine.connect() as conn:
        bound = maps.bind(conn, maps.preset("eccube2", shop.CARD_IDS["eccube2"]), "eccube2")
        where = query.conditions(conn, bound, *shop.WINDOW)
        # when
        names = set(conn.execute(sa.select(query.identity_expression(bound)).where(*where)).scalars())
    engine.dispose()
    # then
    assert names == truth.people


@pytest.mark.parametrize("flavour", ["eccube2", "eccube4"])
def test_the_default_choice_keeps_deleted_card_methods_with_orders_and_leaves_wallets_out(tmp_path, flavour):
    # given a shop that deleted its old card module after the breach, and added wallets run by modules
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    truth = shop.build(url, flavour)
    engine = sa.create_engine(url)
    meta = sa.MetaData()
    payment = sa.Table("dtb_payment", meta, autoload_with=engine)
    order = sa.Table("dtb_order", meta, autoload_with=engine)
    inside = dt.datetime(2018, 1, 10, 12, 0)
    if flavour == "eccube2":
        extra = [
            {"payment_id": 8, "payment_method": "旧クレジットカード", "memo03": "mdl_oldcard", "del_flg": 1},
            {"payment_id": 9, "payment_method": "Amazon Pay", "memo03": "mdl_amazonpay", "del_flg": 0},
            {"payment_id": 10, "payment_method": "楽天ペイ", "memo03": "mdl_rakuten", "del_flg": 0},
            {"payment_id": 11, "payment_method": "クレジット(廃止)", "memo03": "mdl_x", "del_flg": 1},
        ]
        row = {"order_id": 99001, "customer_id": 0, "order_email": "old@example.jp", "payment_id": 8, "status": 5}
        new_order = {**row, "create_date": inside, "del_flg": 0}
    else:
        extra = [
            {
                "id": 8,
                "payment_method": "クレジットカード(旧)",
                "method_class": "Plugin\\\\Old\\\\Card",
                "visible": False,
            },
            {
                "id": 9,
                "payment_method": "PayPay",
                "method_class": "Plugin\\\\PayPay\\\\Method\\\\PayPay",
                "visible": True,
            },
            {"id": 10, "payment_method": "d払い", "method_class": "Plugin\\Docomo\\Method", "visible": True},
            {"id": 11, "payment_method": "LINE Pay", "method_class": "Plugin\\LinePay\\Method", "visible": True},
        ]
        new_order = {
            "id": 99001,
            "email": "old@example.jp",
            "payment_id": 8,
            "order_status_id": 5,
            "create_date": shop.stored_utc(inside, False),
            "order_date": shop.stored_utc(inside, False),
        }
    with engine.begin() as conn:
        conn.execute(payment.insert(), extra)
        conn.execute(order.insert(), [new_order])
    engine.dispose()
    engine = _open(url)
    # when
    with engine.connect() as conn:
        payments = {p.id: p for p in query.payments(conn, flavour, *shop.WINDOW)}
    engine.dispose()
    # then the deleted card method with an order is ticked and marked deleted; wallets are not ticked
    assert [i for i, p in payments.items() if p.card_like] == [*shop.CARD_IDS[flavour], 8]
    assert payments[8].deleted and payments[8].orders == 1
    assert payments[11].orders == 0 and not payments[11].card_like
    # and the orders per method in the window are counted (the card ones add up to the true number)
    assert sum(payments[i].orders or 0 for i in shop.CARD_IDS[flavour]) == truth.orders
    # and a class stored escaped is shown as PHP writes it
    if flavour == "eccube4":
        assert payments[9].detail == "Plugin\\PayPay\\Method\\PayPay"
