"""The scoping query: who paid by card in the exposure window, one row per person, counted in the database.

The database does the work (``GROUP BY`` the identity expression), so ten million orders are one aggregate
query and the people stream back in batches. Identity: ``member:<customer id>`` for members; guest orders
(customer id empty, 0 or NULL) are one person per normalised e-mail (``email:<address>``: lower case, spaces
removed); a guest order without an e-mail cannot be merged with anything and is its own person
(``order:<order id>``). Contact details come from the person's latest order in the window (highest order id).
Every query runs on a read-only connection (``discovery.engine.database.connect.open_readonly``) and in a
read-only transaction. Django-free.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from django.utils.translation import gettext_noop

from mamori.scoping.mapping import Bound, MappingError, reflect_table

BATCH = 20_000
JAPAN = ZoneInfo("Asia/Tokyo")  # the window's days and the times shown (settings.TIME_ZONE)
WORK_MEM_MB = 256  # per sort/hash node of the scoping query, on PostgreSQL only
_CARD_WORDS = re.compile(r"card|カード|クレジット|credit", re.IGNORECASE)
# Methods that are not card payments even when a payment module handles them: wallets and QR payments,
# convenience stores, bank transfer, pay later, cash on delivery. Checked against the method's name first.
_OTHER_WORDS = re.compile(
    r"amazon\s*pay|楽天\s*ペイ|rakuten\s*pay|paypay|d\s*払い|line\s*pay|au\s*pay|メルペイ|merpay|apple\s*pay|"
    r"google\s*pay|paidy|atone|ペイディ|alipay|wechat|銀聯|コンビニ|銀行|振込|振替|代引|代金引換|後払|cvs|conveni|"
    r"bank|payeasy|ペイジー|現金|cash",
    re.IGNORECASE,
)


@dataclass
class Person:
    """One affected person as read from the shop database (the minimum: no card data is ever selected)."""

    identity: str
    member_id: str
    orders: int
    first_order_at: dt.datetime | None
    last_order_at: dt.datetime | None
    name: str = ""
    kana: str = ""
    email: str = ""
    phone: str = ""
    postal_code: str = ""
    address: str = ""


@dataclass
class Payment:
    """A payment method of the shop, for the user to choose the card payments."""

    id: Any
    name: str
    card_like: bool
    detail: str = ""  # the module or method class, secondary text
    deleted: bool = False  # 2.x del_flg = 1, 4.x not visible
    orders: int | None = None  # orders in the window (None: not counted)


# --------------------------------------------------------------------------------------------------
# Payment methods


def payments(
    conn: sa.Connection, preset: str, window_from: dt.date | None = None, window_to: dt.date | None = None
) -> list[Payment]:
    """The shop's dtb_payment rows, with the orders of each in the window when the window is given.

    ``card_like`` is the default choice: a name or class saying card/カード/クレジット, or a payment module
    (2.x memo03/module_id set; 4.x a method class other than the shipped Cash class) — unless the name says
    wallet, convenience store, bank, cash on delivery or pay later. A deleted (2.x del_flg = 1) or hidden (4.x
    visible = false) method is ticked only when it still has orders in the window: the shop may have removed
    the card module after the breach."""
    table = reflect_table(conn, "dtb_payment")
    if table is None:
        raise MappingError(
            gettext_noop("table: 'dtb_payment' not found in this database (the %(preset)s preset expects it)"),
            preset=preset,
        )
    c = table.c
    key = "payment_id" if "payment_id" in c else "id"
    if key not in c or "payment_method" not in c:
        raise MappingError(
            gettext_noop("dtb_payment: expected the columns payment_id (2.x) or id (4.x) and payment_method")
        )
    extra = [c[n] for n in ("memo03", "module_id", "module_path", "method_class", "del_flg", "visible") if n in c]
    rows = conn.execute(sa.select(c[key], c.payment_method, *extra).order_by(c[key])).mappings().all()
    counts = _orders_per_payment(conn, preset, window_from, window_to)
    out = []
    for row in rows:
        name = str(row["payment_method"] or "")
        module = any(str(row.get(n) or "").strip() not in ("", "0") for n in ("memo03", "module_id", "module_path"))
        method_class = _unescaped(str(row.get("method_class") or ""))
        plugin = bool(method_class) and not method_class.endswith("\\Cash")
        detail = method_class or _unescaped(str(row.get("module_path") or row.get("memo03") or ""))
        deleted = str(row.get("del_flg") or "0") == "1" or ("visible" in row and _false(row["visible"]))
        other = _OTHER_WORDS.search(name) or (not _CARD_WORDS.search(name) and _OTHER_WORDS.search(method_class))
        card_like = not other and (bool(_CARD_WORDS.search(f"{name} {method_class}")) or module or plugin)
        orders = counts.get(str(row[key]), 0) if counts is not None else None
        if deleted:
            card_like = card_like and bool(orders)
        out.append(Payment(row[key], name, card_like, detail[:120], deleted, orders))
    return out


def _unescaped(text: str) -> str:
    """A class name as PHP writes it: some installs store the escaped form ("Plugin\\\\XPay")."""
    return text.replace("\\\\", "\\").strip()


def _false(value: Any) -> bool:
    return value is not None and str(value).strip().lower() in ("0", "false", "f")


def _orders_per_payment(
    conn: sa.Connection, preset: str, window_from: dt.date | None, window_to: dt.date | None
) -> dict[str, int] | None:
    """Orders per payment id in the window (the preset's conditions but any payment), in one GROUP BY."""
    if window_from is None or window_to is None:
        return None
    from mamori.scoping import mapping as maps

    checked = maps.preset(preset, [])
    checked.payment_column = ""  # every payment method
    bound = maps.bind(conn, checked, preset)
    payment = bound.col("payment_id")
    select = (
        sa.select(payment, sa.func.count()).where(*conditions(conn, bound, window_from, window_to)).group_by(payment)
    )
    return {str(pid): int(n) for pid, n in conn.execute(select)}


# --------------------------------------------------------------------------------------------------
# The aggregate query


def _text(col: Any) -> Any:
    return sa.cast(col, sa.String)


def _join(cols: list[Any], sep: str = "") -> Any:
    """Concatenate columns as text with NULL as empty (SQLAlchemy renders concat() on MySQL, || elsewhere)."""
    parts: list[Any] = []
    for i, col in enumerate(cols):
        if i and sep:
            parts.append(sa.literal(sep, sa.String))
        parts.append(sa.func.coalesce(_text(col), sa.literal("", sa.String)))
    expr = parts[0]
    for part in parts[1:]:
        expr = expr + part
    return expr


def normalised_email(col: Any) -> Any:
    """lower(), and no spaces (ASCII, tab, full-width): e-mail addresses hold none, typed-in ones sometimes do."""
    expr = sa.func.lower(_text(col))
    for ch in (" ", "\t", "\u3000"):
        expr = sa.func.replace(expr, ch, "")
    return expr


def _is_member(bound: Bound) -> Any:
    col = bound.col(bound.mapping.member_column)
    empty: Any = 0 if isinstance(col.type, (sa.Integer, sa.Numeric)) else ""
    return sa.and_(col.is_not(None), col != empty)


def identity_expression(bound: Bound) -> Any:
    """The identity of the person behind each order row ("member:…", "email:…", "order:…"), as one SQL
    expression: for joining other tables' rows to affected people (card-list matching uses it). The scoping
    itself groups by the cheaper keys of ``_group_keys`` and builds the same text once per person."""
    m = bound.mapping
    key = _text(bound.col(m.key_column))
    whens = []
    if m.member_column:
        member = sa.literal("member:", sa.String) + _text(bound.col(m.member_column))
        whens.append((_is_member(bound), member))
    if m.email_column:
        col = bound.col(m.email_column)
        has_email = sa.and_(col.is_not(None), sa.func.length(sa.func.trim(_text(col))) > 0)
        whens.append((has_email, sa.literal("email:", sa.String) + normalised_email(col)))
    return sa.case(*whens, else_=sa.literal("order:", sa.String) + key)


def _is_aware(col: Any) -> bool:
    """A column holding instants (PostgreSQL ``timestamp with time zone``)."""
    return bool(getattr(col.type, "timezone", False))


def _edge(conn: sa.Connection, bound: Bound, day: dt.date) -> Any:
    """The window edge ``day`` 00:00 in Japan time as a bind value the column compares correctly with.

    An instant column (timestamptz) gets an aware UTC datetime: PostgreSQL then compares instants whatever
    the server's or session's TimeZone. A naive column holding UTC (EC-CUBE 4.x on MySQL/MariaDB/SQLite)
    gets the same instant as naive UTC; a naive column in the shop's clock (EC-CUBE 2.x) the local time.
    On SQLite dates are text: compared as 'YYYY-MM-DD[ HH:MM:SS]' text."""
    col = bound.col(bound.mapping.date_column)
    local = dt.datetime.combine(day, dt.time(), tzinfo=JAPAN)
    if _is_aware(col) and conn.dialect.name != "sqlite":
        return sa.literal(local.astimezone(dt.UTC), sa.DateTime(timezone=True))
    utc = bound.mapping.timestamps == "utc"
    naive = local.astimezone(dt.UTC).replace(tzinfo=None) if utc else local.replace(tzinfo=None)
    if conn.dialect.name == "sqlite":
        # a local edge is the date alone (so '2017-05-02 00:00:00' is inside a window starting 2017-05-02)
        return sa.literal(naive.isoformat(sep=" ") if utc else day.isoformat(), sa.String)
    return sa.literal(naive, sa.DateTime)


def _compared_date(conn: sa.Connection, bound: Bound) -> Any:
    col = bound.col(bound.mapping.date_column)
    if conn.dialect.name == "sqlite" and bound.mapping.timestamps == "utc":
        # an edge inside a day: ISO text with 'T' must compare as with ' '
        return sa.func.replace(_text(col), "T", " ")
    return col


def conditions(conn: sa.Connection, bound: Bound, window_from: dt.date, window_to: dt.date) -> list[Any]:
    """The WHERE of the scoping: the window [from 00:00, to+1 00:00) in Japan time, the card payments, the
    preset's or mapping's filters."""
    m = bound.mapping
    date = bound.col(m.date_column)
    compared = _compared_date(conn, bound)
    where = [
        date.is_not(None),
        compared >= _edge(conn, bound, window_from),
        compared < _edge(conn, bound, window_to + dt.timedelta(days=1)),
    ]
    if m.payment_column:
        where.append(bound.col(m.payment_column).in_(m.payment_ids))
    for f in m.filters:
        col = bound.col(f.column)
        if f.op == "eq":
            where.append(col == f.value)
        elif f.op == "ne":  # NULL is "not equal" too: a shop whose del_flg is NULL has not deleted the row
            where.append(sa.or_(col.is_(None), col != f.value))
        elif f.op == "in":
            where.append(col.in_(f.value))
        elif f.op == "not_in":
            where.append(sa.or_(col.is_(None), col.not_in(f.value)))
        elif f.op == "is_null":
            where.append(col.is_(None))
        elif f.op == "not_null":
            where.append(col.is_not(None))
    return where


def _group_keys(bound: Bound) -> list[tuple[str, Any, Any]]:
    """(prefix, key expression per order, text of the key after grouping): grouping by a member id (a number)
    and a normalised e-mail is cheaper than building an identity string for every order; the string is built
    once per person, after the aggregation."""
    m = bound.mapping
    member = _is_member(bound) if m.member_column else sa.false()
    keys: list[tuple[str, Any, Any]] = []
    if m.member_column:
        keys.append(("member:", sa.case((member, bound.col(m.member_column)), else_=None), None))
    email_ok: Any = sa.false()
    if m.email_column:
        col = bound.col(m.email_column)
        email_ok = sa.and_(sa.not_(member), col.is_not(None), sa.func.length(sa.func.trim(_text(col))) > 0)
        keys.append(("email:", sa.case((email_ok, normalised_email(col)), else_=None), None))
    rest = sa.and_(sa.not_(member), sa.not_(email_ok))
    keys.append(("order:", sa.case((rest, bound.col(m.key_column)), else_=None), None))
    return keys


def _aggregate(conn: sa.Connection, bound: Bound, window_from: dt.date, window_to: dt.date) -> Any:
    """One row per person: identity, orders, first_at, last_at, last_key (the latest order's key)."""
    m = bound.mapping
    date = bound.col(m.date_column)
    keys = _group_keys(bound)
    labelled = [expr.label(f"k{i}") for i, (_prefix, expr, _none) in enumerate(keys)]
    grouped = (
        sa.select(
            *labelled,
            sa.func.count().label("orders"),
            sa.func.min(date).label("first_at"),
            sa.func.max(date).label("last_at"),
            sa.func.max(bound.col(m.key_column)).label("last_key"),
        )
        .where(*conditions(conn, bound, window_from, window_to))
        .group_by(*[expr for _prefix, expr, _none in keys])
        .subquery("grouped")
    )
    whens = [
        (grouped.c[f"k{i}"].is_not(None), sa.literal(prefix, sa.String) + _text(grouped.c[f"k{i}"]))
        for i, (prefix, _expr, _none) in enumerate(keys[:-1])
    ]
    last = len(keys) - 1
    order_identity = sa.literal("order:", sa.String) + _text(grouped.c[f"k{last}"])
    identity = sa.case(*whens, else_=order_identity) if whens else order_identity
    return sa.select(
        identity.label("identity"),
        grouped.c.orders,
        grouped.c.first_at,
        grouped.c.last_at,
        grouped.c.last_key,
    )


def count(conn: sa.Connection, bound: Bound, window_from: dt.date, window_to: dt.date) -> tuple[int, int]:
    """(people, orders) in the window, counted in the database."""
    agg = _aggregate(conn, bound, window_from, window_to).subquery()
    row = conn.execute(sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(agg.c.orders), 0))).one()
    return int(row[0]), int(row[1])


def _contact_columns(bound: Bound) -> list[Any]:
    m = bound.mapping
    alias = bound.table.alias("latest")
    cols = []
    for key in ("name", "kana", "email", "phone", "postal_code", "address"):
        names = m.contact.get(key) or []
        if names:
            sep = " " if key in ("name", "kana", "address") else ("-" if key in ("phone", "postal_code") else "")
            if key == "email":
                sep = ""
            cols.append(_join([alias.c[n] for n in names], sep).label(key))
    if m.pref_column and bound.pref:
        cols.append(alias.c[m.pref_column].label("pref"))
    return [alias, *cols]


def people_query(
    conn: sa.Connection, bound: Bound, window_from: dt.date, window_to: dt.date, ordered: bool = True
) -> Any:
    m = bound.mapping
    agg = _aggregate(conn, bound, window_from, window_to).subquery("agg")
    alias, *contact = _contact_columns(bound)
    select = sa.select(agg.c.identity, agg.c.orders, agg.c.first_at, agg.c.last_at, *contact).select_from(
        agg.join(alias, alias.c[m.key_column] == agg.c.last_key)
    )
    return select.order_by(agg.c.identity) if ordered else select


def preview(
    conn: sa.Connection, bound: Bound, window_from: dt.date, window_to: dt.date, limit: int = 5
) -> tuple[int, int, list[Person]]:
    """(people, orders, the first ``limit`` people) from one aggregation: the totals ride along as window
    functions over the aggregate, and only the sample is joined back to its latest order."""
    m = bound.mapping
    agg = _aggregate(conn, bound, window_from, window_to).subquery("agg")
    top = (
        sa.select(
            agg,
            sa.func.count().over().label("n_people"),
            sa.func.sum(agg.c.orders).over().label("n_orders"),
        )
        .order_by(agg.c.identity)
        .limit(limit)
        .subquery("top")
    )
    alias, *contact = _contact_columns(bound)
    select = (
        sa.select(top.c.identity, top.c.orders, top.c.first_at, top.c.last_at, top.c.n_people, top.c.n_orders, *contact)
        .select_from(top.join(alias, alias.c[m.key_column] == top.c.last_key))
        .order_by(top.c.identity)
    )
    rows = conn.execute(select).mappings().all()
    if not rows:
        return 0, 0, []
    return int(rows[0]["n_people"]), int(rows[0]["n_orders"]), [to_person(row, bound) for row in rows]


def _clean(value: Any, sep: str = " ") -> str:
    if value is None:
        return ""
    text = " ".join(str(value).split())  # every run of white space as one space, none at the ends
    return text.strip("- ") if sep == "-" else text


def _dashed(value: Any) -> str:
    """Parts joined by "-" with the empty ones left out ("03--5678" is "03-5678"), as PostgreSQL's concat_ws."""
    parts = (" ".join(part.split()) for part in str(value or "").split("-"))
    return "-".join(part for part in parts if part)


def _when(value: Any, timestamps: str = "local") -> dt.datetime | None:
    """An order time as an aware datetime in Japan time: an aware value converted; a naive one read as UTC
    (``timestamps == "utc"``) or as the shop's Japan clock."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        when = value
    elif isinstance(value, dt.date):
        when = dt.datetime.combine(value, dt.time())
    else:
        try:
            when = dt.datetime.fromisoformat(str(value).strip().replace("/", "-"))
        except ValueError:
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC if timestamps == "utc" else JAPAN)
    return when.astimezone(JAPAN)


def to_person(row: Any, bound: Bound) -> Person:
    identity = str(row["identity"])
    member = identity.split(":", 1)[1] if identity.startswith("member:") else ""
    address = _clean(row.get("address"))
    if "pref" in row and row["pref"] is not None:
        pref = bound.pref.get(str(row["pref"]), "")
        address = f"{pref}{address}" if pref else address
    email = "".join(str(row.get("email") or "").split())
    return Person(
        identity=identity[:320],
        member_id=member[:64],
        orders=int(row["orders"]),
        first_order_at=_when(row["first_at"], bound.mapping.timestamps),
        last_order_at=_when(row["last_at"], bound.mapping.timestamps),
        name=_clean(row.get("name"))[:300],
        kana=_clean(row.get("kana"))[:300],
        email=email[:320],
        phone=_dashed(row.get("phone"))[:64],
        postal_code=_dashed(row.get("postal_code"))[:20],
        address=address[:600],
    )


def people(
    conn: sa.Connection,
    bound: Bound,
    window_from: dt.date,
    window_to: dt.date,
    limit: int | None = None,
    ordered: bool = True,
) -> Iterator[Person]:
    """The affected people, streamed (a server-side cursor where the driver has one)."""
    query = people_query(conn, bound, window_from, window_to, ordered=ordered or limit is not None)
    if limit is not None:
        query = query.limit(limit)
    result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(query)
    for row in result.mappings():
        yield to_person(row, bound)


def begin_read_only(conn: sa.Connection) -> None:
    """Make the transaction read-only where the database says so per transaction (the connection already
    refuses writes: PostgreSQL's default_transaction_read_only, MySQL's session setting, SQLite's query_only)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SET TRANSACTION READ ONLY"))
        # The people stream through a server-side cursor, which PostgreSQL would plan for the first 10% of rows
        # (nested loops); all rows are wanted. More sort/hash memory keeps the GROUP BY of millions off disk.
        conn.execute(sa.text("SET LOCAL cursor_tuple_fraction = 1.0"))
        conn.execute(sa.text(f"SET LOCAL work_mem = '{WORK_MEM_MB}MB'"))
        # JIT compiling this one-off aggregate costs more than it saves (measured: 5.8 s of 11 s on 10M orders).
        conn.execute(sa.text("SET LOCAL jit = off"))


# --------------------------------------------------------------------------------------------------
# PostgreSQL to PostgreSQL: the finished rows as COPY text, never one Python object per person


def _pg_text(parts: list[Any], sep: str) -> Any:
    """concat_ws of the non-empty trimmed parts, runs of white space as one space."""
    cleaned = [sa.func.nullif(sa.func.btrim(_text(p)), "") for p in parts]
    joined = sa.func.concat_ws(sep, *cleaned) if len(cleaned) > 1 else sa.func.coalesce(cleaned[0], "")
    return sa.func.btrim(sa.func.regexp_replace(joined, r"\s+", " ", "g"))


def _pg_instant(value: Any, bound: Bound) -> Any:
    """An order time as timestamptz, so that COPY writes it with its offset: naive UTC read as UTC, a naive
    local time as Japan time, an instant as it is (Mamori's COPY FROM then stores the right instant)."""
    if _is_aware(bound.col(bound.mapping.date_column)):
        return value
    zone = "UTC" if bound.mapping.timestamps == "utc" else JAPAN.key
    return sa.func.timezone(zone, value)


def pg_copy_query(bound: Bound, window_from: dt.date, window_to: dt.date, scoping_id: int, conn: sa.Connection) -> Any:
    """The rows of ``AffectedPerson`` as the shop's PostgreSQL computes them, in the column order of
    ``COPY_COLUMNS``; the same values as ``to_person`` gives (tests/scoping/test_query.py compares them)."""
    m = bound.mapping
    agg = _aggregate(conn, bound, window_from, window_to).subquery("agg")
    latest = bound.table.alias("latest")
    joined: Any = agg.join(latest, latest.c[m.key_column] == agg.c.last_key)

    def text(key: str, sep: str, limit: int) -> Any:
        names = m.contact.get(key) or []
        if not names:
            return sa.literal("", sa.String)
        return sa.func.left(_pg_text([latest.c[n] for n in names], sep), limit)

    email_parts = [latest.c[n] for n in m.contact.get("email") or []]
    email: Any = sa.literal("", sa.String)
    if email_parts:
        email = sa.func.left(
            sa.func.replace(sa.func.regexp_replace(_join(email_parts), r"\s", "", "g"), "\u3000", ""),
            320,
        )
    address = text("address", " ", 600)
    if m.pref_column and bound.pref:
        # 47 prefectures as a CASE: cheaper per person than a join the planner may turn into a sort.
        col = latest.c[m.pref_column]
        numeric = isinstance(col.type, sa.Integer) and all(k.isdigit() for k in bound.pref)
        names = {int(k) if numeric else k: v for k, v in bound.pref.items()}
        value = col if numeric else _text(col)
        address = sa.func.left(sa.func.concat(sa.case(names, value=value, else_=""), address), 600)
    identity = sa.func.left(agg.c.identity, 320)
    member = sa.case((agg.c.identity.like("member:%"), sa.func.left(sa.func.substr(agg.c.identity, 8), 64)), else_="")
    return sa.select(
        sa.literal(scoping_id, sa.Integer),
        identity,
        member,
        text("name", " ", 300),
        text("kana", " ", 300),
        email,
        sa.func.left(_pg_text([latest.c[n] for n in m.contact.get("phone") or []], "-"), 64)
        if m.contact.get("phone")
        else sa.literal("", sa.String),
        sa.func.left(_pg_text([latest.c[n] for n in m.contact.get("postal_code") or []], "-"), 20)
        if m.contact.get("postal_code")
        else sa.literal("", sa.String),
        address,
        agg.c.orders,
        _pg_instant(agg.c.first_at, bound),
        _pg_instant(agg.c.last_at, bound),
    ).select_from(joined)


def pg_copy_blocks(
    conn: sa.Connection, bound: Bound, window_from: dt.date, window_to: dt.date, scoping_id: int
) -> Iterator[bytes]:
    """``COPY (…) TO STDOUT`` of the people from the shop's PostgreSQL, as the blocks of text it sends."""
    select = pg_copy_query(bound, window_from, window_to, scoping_id, conn)
    compiled = select.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    raw: Any = conn.connection.dbapi_connection  # psycopg 3
    lookups = key_indexed(bound)
    if lookups:
        _join_by_lookup(conn, True)
    with raw.cursor() as cursor, cursor.copy(f"COPY ({compiled}) TO STDOUT", compiled.params) as copy:
        yield from (bytes(block) for block in copy)
    if lookups:  # SET LOCAL ends with the transaction anyway; this restores it for any later query in it
        _join_by_lookup(conn, False)


def key_indexed(bound: Bound) -> bool:
    """Whether the order key leads an index (the primary key does), so that each person's latest order can be
    fetched by one index lookup."""
    key = bound.mapping.key_column
    if [c.name for c in bound.table.primary_key.columns][:1] == [key]:
        return True
    return any([c.name for c in index.columns][:1] == [key] for index in bound.table.indexes)


def _join_by_lookup(conn: sa.Connection, on: bool) -> None:
    """PostgreSQL misjudges how many people the GROUP BY yields (it guesses about one per order) and so hashes
    the whole order table to join each person's latest order back: on 10M orders and 400,000 people that took
    16-18 s against 11-13 s for one index lookup per person (docs/benchmarks.md, "Scoping affected people").
    Only with an index on the key: a lookup without one would read the table once per person."""
    value = "off" if on else "on"
    conn.execute(sa.text(f"SET LOCAL enable_hashjoin = {value}"))
    conn.execute(sa.text(f"SET LOCAL enable_mergejoin = {value}"))
