"""What a scoping reads (影響範囲の定義): a mapping from a shop's order table to affected people.

A mapping is plain data (stored as JSON on the ``Scoping``) and is checked against the database's real columns
before any query runs: every name must be an existing column of the table, every operator one of a short list.
Nothing a user types ever becomes SQL text — the query is built with SQLAlchemy Core from reflected columns.

Presets fill the mapping for EC-CUBE 2.x and 4.x (../shared/reference/eccube-schema.md); the generic mapping is
the same structure typed in by hand. Django-free: the ``mamori scope`` command and the bench use it directly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from django.utils.translation import gettext_noop

PRESETS = ("eccube2", "eccube4", "generic")
OPERATORS = ("eq", "ne", "in", "not_in", "is_null", "not_null")
CONTACT_FIELDS = ("name", "kana", "email", "phone", "postal_code", "address")
MAX_FILTERS = 20
# How a shop's order times are stored: "local" — the shop's clock (Japan time) without a zone (EC-CUBE 2.x);
# "utc" — UTC instants (EC-CUBE 4.x's Doctrine UTCDateTimeTzType: timestamptz on PostgreSQL, a plain
# datetime holding UTC on MySQL/MariaDB and SQLite).
TIMESTAMPS = ("local", "utc")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,62}$")


class Explained(Exception):
    """A problem told as an English ``msgid`` with %(name)s placeholders and its ``params``: pages and stored
    job errors show it in the reader's language (``translated(gettext)``); ``str()`` is the English text, for
    the console and logs."""

    def __init__(self, msgid: str, **params: Any) -> None:
        self.msgid = msgid
        self.params = params
        super().__init__(msgid % params if params else msgid)

    def translated(self, gettext: Any) -> str:
        return told(gettext, self.msgid, self.params)


def told(gettext: Any, msgid: str, params: Mapping[str, Any]) -> str:
    """``msgid`` in the language of ``gettext``, with its values."""
    text = gettext(msgid)
    return text % params if params else text


class MappingError(Explained, ValueError):
    """The mapping cannot be used on this database; the message names the field and the column or table."""


@dataclass(frozen=True)
class Filter:
    column: str
    op: str
    value: Any = None


@dataclass
class Mapping_:
    """The checked form of a mapping (see ``parse``)."""

    table: str
    date_column: str
    key_column: str
    member_column: str = ""  # customer id; empty, 0 and NULL mean "guest order"
    email_column: str = ""  # guest orders are one person per normalised e-mail
    payment_column: str = ""
    payment_ids: list[Any] = field(default_factory=list)
    filters: list[Filter] = field(default_factory=list)
    contact: dict[str, list[str]] = field(default_factory=dict)
    pref_table: str = ""  # EC-CUBE's prefecture master (mtb_pref: id, name), used only for the letter address
    pref_column: str = ""
    excluded: list[str] = field(default_factory=list)  # what the preset leaves out, in words, for the page
    timestamps: str = "local"  # see TIMESTAMPS

    def as_json(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "date_column": self.date_column,
            "key_column": self.key_column,
            "member_column": self.member_column,
            "email_column": self.email_column,
            "payment_column": self.payment_column,
            "payment_ids": list(self.payment_ids),
            "filters": [{"column": f.column, "op": f.op, "value": f.value} for f in self.filters],
            "contact": {k: list(v) for k, v in self.contact.items()},
            "pref_table": self.pref_table,
            "pref_column": self.pref_column,
            "excluded": list(self.excluded),
            "timestamps": self.timestamps,
        }


# --------------------------------------------------------------------------------------------------
# Presets


def eccube2(payment_ids: list[Any]) -> Mapping_:
    """EC-CUBE 2.x: dtb_order by create_date; cancelled (status 3) and deleted (del_flg 1) orders left out."""
    return Mapping_(
        table="dtb_order",
        date_column="create_date",
        key_column="order_id",
        member_column="customer_id",
        email_column="order_email",
        payment_column="payment_id",
        payment_ids=list(payment_ids),
        filters=[Filter("status", "ne", 3), Filter("del_flg", "ne", 1)],
        contact={
            "name": ["order_name01", "order_name02"],
            "kana": ["order_kana01", "order_kana02"],
            "email": ["order_email"],
            "phone": ["order_tel01", "order_tel02", "order_tel03"],
            "postal_code": ["order_zip01", "order_zip02"],
            "address": ["order_addr01", "order_addr02"],
        },
        pref_table="mtb_pref",
        pref_column="order_pref",
        excluded=["status = 3 (キャンセル / cancelled)", "del_flg = 1 (deleted)"],
    )


def eccube4(payment_ids: list[Any]) -> Mapping_:
    """EC-CUBE 4.x: dtb_order by order_date (empty while an order is still 購入処理中, so those are not counted);
    cancelled orders (order_status_id 3) left out."""
    return Mapping_(
        table="dtb_order",
        date_column="order_date",
        key_column="id",
        member_column="customer_id",
        email_column="email",
        payment_column="payment_id",
        payment_ids=list(payment_ids),
        filters=[Filter("order_status_id", "ne", 3)],
        contact={
            "name": ["name01", "name02"],
            "kana": ["kana01", "kana02"],
            "email": ["email"],
            "phone": ["phone_number"],
            "postal_code": ["postal_code"],
            "address": ["addr01", "addr02"],
        },
        pref_table="mtb_pref",
        pref_column="pref_id",
        excluded=[
            "order_status_id = 3 (注文取消し / cancelled)",
            "order_date empty (購入処理中: never completed)",
        ],
        timestamps="utc",
    )


PRESET_TABLES = {
    "eccube2": ("dtb_order", "dtb_payment"),
    "eccube4": ("dtb_order", "dtb_payment"),
}


def preset(name: str, payment_ids: list[Any]) -> Mapping_:
    if name == "eccube2":
        return eccube2(payment_ids)
    if name == "eccube4":
        return eccube4(payment_ids)
    raise MappingError(gettext_noop("preset: unknown preset %(name)r (use eccube2, eccube4 or generic)"), name=name)


# --------------------------------------------------------------------------------------------------
# Parsing a stored or typed mapping


def _name(data: Mapping[str, Any], key: str, *, required: bool = False, where: str = "") -> str:
    value = data.get(key) or ""
    key = where or key
    if not isinstance(value, str):
        raise MappingError(gettext_noop("%(key)s: must be a column or table name"), key=key)
    value = value.strip()
    if required and not value:
        raise MappingError(gettext_noop("%(key)s: required"), key=key)
    if value and not _NAME.match(value):
        raise MappingError(gettext_noop("%(key)s: %(value)r is not a plain column or table name"), key=key, value=value)
    return value


def _names(value: Any, key: str) -> list[str]:
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list):
        raise MappingError(gettext_noop("%(key)s: a list of column names"), key=key)
    out = []
    for item in value:
        if not isinstance(item, str) or not _NAME.match(item.strip()):
            raise MappingError(gettext_noop("%(key)s: %(item)r is not a plain column name"), key=key, item=item)
        out.append(item.strip())
    return out


def _scalar(value: Any, key: str) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise MappingError(gettext_noop("%(key)s: a filter value must be a number or text"), key=key)


def parse(data: Mapping[str, Any]) -> Mapping_:
    """A stored/typed mapping as ``Mapping_``; names are checked for shape here and against the database in
    ``bind``. Raises ``MappingError`` naming the field."""
    if not isinstance(data, Mapping):
        raise MappingError(gettext_noop("mapping: must be an object"))
    filters = []
    raw_filters = data.get("filters") or []
    if not isinstance(raw_filters, list) or len(raw_filters) > MAX_FILTERS:
        raise MappingError(gettext_noop("filters: a list of at most %(n)d conditions"), n=MAX_FILTERS)
    for i, item in enumerate(raw_filters, 1):
        where = f"filters[{i}]"
        if not isinstance(item, Mapping):
            raise MappingError(gettext_noop("%(where)s: a condition {column, op, value}"), where=where)
        column = _name(item, "column", required=True, where=f"{where}.column")
        op = str(item.get("op") or "eq")
        if op not in OPERATORS:
            raise MappingError(
                gettext_noop("%(where)s.op: %(op)r is not one of %(ops)s"), where=where, op=op, ops=", ".join(OPERATORS)
            )
        value = item.get("value")
        if op in ("in", "not_in"):
            if not isinstance(value, list) or not value:
                raise MappingError(gettext_noop("%(where)s.value: a non-empty list for %(op)s"), where=where, op=op)
            value = [_scalar(v, f"{where}.value") for v in value]
        elif op not in ("is_null", "not_null"):
            value = _scalar(value, f"{where}.value")
        filters.append(Filter(column, op, value))
    contact_raw = data.get("contact") or {}
    if not isinstance(contact_raw, Mapping):
        raise MappingError(gettext_noop("contact: an object {name, kana, email, phone, postal_code, address}"))
    contact = {}
    for key, value in contact_raw.items():
        if key not in CONTACT_FIELDS:
            raise MappingError(
                gettext_noop("contact.%(key)s: unknown field (use %(fields)s)"),
                key=key,
                fields=", ".join(CONTACT_FIELDS),
            )
        if value:
            contact[key] = _names(value, f"contact.{key}")
    timestamps = data.get("timestamps") or "local"
    if timestamps not in TIMESTAMPS:
        raise MappingError(
            gettext_noop("timestamps: %(value)r is not one of %(choices)s"),
            value=timestamps,
            choices=", ".join(TIMESTAMPS),
        )
    payment_ids = data.get("payment_ids") or []
    if not isinstance(payment_ids, list):
        raise MappingError(gettext_noop("payment_ids: a list"))
    mapping = Mapping_(
        table=_name(data, "table", required=True),
        date_column=_name(data, "date_column", required=True),
        key_column=_name(data, "key_column"),
        member_column=_name(data, "member_column"),
        email_column=_name(data, "email_column"),
        payment_column=_name(data, "payment_column"),
        payment_ids=[_scalar(v, "payment_ids") for v in payment_ids],
        filters=filters,
        contact=contact,
        pref_table=_name(data, "pref_table"),
        pref_column=_name(data, "pref_column"),
        excluded=[str(x) for x in data.get("excluded") or []],
        timestamps=str(timestamps),
    )
    if not mapping.member_column and not mapping.email_column:
        raise MappingError(gettext_noop("identity: give a member id column, an e-mail column, or both"))
    if mapping.payment_column and not mapping.payment_ids:
        raise MappingError(gettext_noop("payment_ids: choose at least one payment method (the card payments)"))
    return mapping


# --------------------------------------------------------------------------------------------------
# Binding to the database: every name must be a real column


@dataclass
class Bound:
    mapping: Mapping_
    table: sa.Table
    pref: dict[str, str]  # prefecture id -> name, when the master table exists

    def col(self, name: str) -> sa.Column[Any]:
        return self.table.c[name]


def reflect_table(conn: sa.Connection, name: str) -> sa.Table | None:
    """The table named ``name`` (matched without regard to case, as MySQL on some systems), or None."""
    names = sa.inspect(conn).get_table_names()
    found = next((n for n in names if n == name), None) or next((n for n in names if n.lower() == name.lower()), None)
    if found is None:
        return None
    return sa.Table(found, sa.MetaData(), autoload_with=conn)


def bind(conn: sa.Connection, mapping: Mapping_, preset_name: str = "generic") -> Bound:
    table = reflect_table(conn, mapping.table)
    if table is None:
        expects = PRESET_TABLES.get(preset_name)
        if expects:
            raise MappingError(
                gettext_noop(
                    "table: %(table)r not found in this database (the %(preset)s preset expects the tables %(tables)s)"
                ),
                table=mapping.table,
                preset=preset_name,
                tables=", ".join(expects),
            )
        raise MappingError(gettext_noop("table: %(table)r not found in this database"), table=mapping.table)
    columns = {c.name for c in table.columns}

    other = {"eccube2": "eccube4", "eccube4": "eccube2"}.get(preset_name)

    def need(name: str, where: str) -> None:
        if name and name not in columns:
            if other:
                raise MappingError(
                    gettext_noop(
                        "%(where)s: the table %(table)s has no column %(column)r (the %(preset)s preset expects "
                        "%(table)s.%(column)s; if this is the other EC-CUBE version, use the %(other)s preset)"
                    ),
                    where=where,
                    table=table.name,
                    column=name,
                    preset=preset_name,
                    other=other,
                )
            raise MappingError(
                gettext_noop("%(where)s: the table %(table)s has no column %(column)r"),
                where=where,
                table=table.name,
                column=name,
            )

    if not mapping.key_column:
        keys = [c.name for c in table.primary_key.columns]
        if len(keys) != 1:
            raise MappingError(
                gettext_noop("key_column: %(table)s has no single-column primary key; name the order id column"),
                table=table.name,
            )
        mapping.key_column = keys[0]
    need(mapping.date_column, "date_column")
    need(mapping.key_column, "key_column")
    need(mapping.member_column, "member_column")
    need(mapping.email_column, "email_column")
    need(mapping.payment_column, "payment_column")
    need(mapping.pref_column, "pref_column")
    for i, f in enumerate(mapping.filters, 1):
        need(f.column, f"filters[{i}].column")
    for key, names in mapping.contact.items():
        for name in names:
            need(name, f"contact.{key}")
    return Bound(mapping, table, _prefectures(conn, mapping))


def _prefectures(conn: sa.Connection, mapping: Mapping_) -> dict[str, str]:
    if not (mapping.pref_table and mapping.pref_column):
        return {}
    pref = reflect_table(conn, mapping.pref_table)
    if pref is None or "id" not in pref.c or "name" not in pref.c:
        return {}
    rows = conn.execute(sa.select(pref.c.id, pref.c.name).limit(1000)).all()
    return {str(r[0]): str(r[1] or "") for r in rows}
