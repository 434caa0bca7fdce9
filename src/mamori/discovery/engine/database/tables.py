"""Finding the tables to scan and reading their rows: a spread-out sample, or everything in key order."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from mamori.discovery.engine.database.connect import reset_deadline

SYSTEM_SCHEMAS = frozenset({"information_schema", "pg_catalog", "pg_toast", "mysql", "performance_schema", "sys"})


@dataclass(frozen=True)
class TableInfo:
    schema: str | None
    name: str
    columns: tuple[str, ...]
    column_types: tuple[str, ...]
    key: tuple[str, ...]  # primary key columns; empty when the table has none

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name

    def table(self) -> sa.TableClause:
        return sa.table(self.name, *(sa.column(c) for c in self.columns), schema=self.schema)


@dataclass(frozen=True)
class TableFilter:
    include_schemas: tuple[str, ...] = ()
    exclude_schemas: tuple[str, ...] = ()
    include_tables: tuple[str, ...] = ()
    exclude_tables: tuple[str, ...] = ()

    def schema_ok(self, schema: str) -> bool:
        return _match(schema, self.include_schemas, self.exclude_schemas)

    def table_ok(self, table: TableInfo) -> bool:
        names = (table.name, table.qualified)
        if self.include_tables and not any(_any(n, self.include_tables) for n in names):
            return False
        return not any(_any(n, self.exclude_tables) for n in names)


def quote_ident(name: str) -> str:
    """A PostgreSQL identifier, quoted (names come from the catalogue but may hold spaces or quotes)."""
    return '"' + name.replace('"', '""') + '"'


def pg_name(table: TableInfo) -> str:
    return f"{quote_ident(table.schema)}.{quote_ident(table.name)}" if table.schema else quote_ident(table.name)


def _any(name: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(name.lower(), p.lower()) for p in patterns)


def _match(name: str, include: Sequence[str], exclude: Sequence[str]) -> bool:
    if include and not _any(name, include):
        return False
    return not _any(name, exclude)


def list_tables(engine: sa.Engine, filters: TableFilter) -> list[TableInfo]:
    """Every user table (not views) the filters admit, in a stable order."""
    # One connection for all the catalogue reads: an inspector bound to the engine opens one per call,
    # each starting a server process with a cold catalogue cache.
    with engine.connect() as conn:
        return _list_tables(conn, engine.url.get_backend_name(), filters)


def _list_tables(conn: sa.Connection, backend: str, filters: TableFilter) -> list[TableInfo]:
    inspector = sa.inspect(conn)
    default = inspector.default_schema_name
    if backend == "sqlite":
        schemas: list[str | None] = [None]
    else:
        names = [s for s in inspector.get_schema_names() if s not in SYSTEM_SCHEMAS and not s.startswith("pg_")]
        if backend in ("mysql", "mariadb"):
            names = [default] if default and not filters.include_schemas else names
        schemas = [s for s in sorted(names) if filters.schema_ok(s)]
    found: list[TableInfo] = []
    for schema in schemas:
        partitions = _partitions(conn, schema or default) if backend == "postgresql" else set()
        for name in sorted(set(inspector.get_table_names(schema=schema)) - partitions):
            columns = inspector.get_columns(name, schema=schema)
            pk = inspector.get_pk_constraint(name, schema=schema).get("constrained_columns") or []
            shown_schema = None if schema == default or backend == "sqlite" else schema
            column_names = tuple(_reflected(c["name"], backend) for c in columns)
            key = tuple(_reflected(k, backend) for k in pk)
            info = TableInfo(shown_schema, name, column_names, tuple(str(c["type"]) for c in columns), key)
            if filters.table_ok(info):
                found.append(info)
    return found


def _reflected(name: str, backend: str) -> str:
    """SQLAlchemy's MySQL reflection leaves a backtick inside a column name doubled (`` ` `` as ``` `` ```)."""
    return name.replace("``", "`") if backend in ("mysql", "mariadb") else name


def _partitions(conn: sa.Connection, schema: str | None) -> set[str]:
    """Partitions of partitioned tables: scanned through their parent, not a second time on their own."""
    rows = conn.execute(
        sa.text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relispartition AND n.nspname = COALESCE(:s, current_schema())"
        ),
        {"s": schema},
    )
    return {row[0] for row in rows}


def estimated_rows(conn: sa.Connection, table: TableInfo) -> int | None:
    """The engine's own row estimate (cheap), or None when it has none."""
    backend = conn.engine.url.get_backend_name()
    if backend == "postgresql":
        value = conn.execute(
            sa.text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:t)"), {"t": pg_name(table)}
        ).scalar()
        return int(value) if value is not None and value >= 0 else None
    if backend in ("mysql", "mariadb"):
        value = conn.execute(
            sa.text(
                "SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = COALESCE(:s, DATABASE()) "
                "AND TABLE_NAME = :t"
            ),
            {"s": table.schema, "t": table.name},
        ).scalar()
        return int(value) if value is not None else None
    return None


def count_rows(conn: sa.Connection, table: TableInfo) -> int:
    reset_deadline(conn)
    return int(conn.execute(sa.select(sa.func.count()).select_from(table.table())).scalar() or 0)


def integer_key(table: TableInfo) -> str | None:
    if len(table.key) != 1:
        return None
    kind = table.column_types[table.columns.index(table.key[0])].upper()
    return table.key[0] if "INT" in kind else None


def sample(conn: sa.Connection, table: TableInfo, size: int, windows: int = 10) -> list[Sequence[Any]]:
    """About ``size`` rows spread over the table, drawn the cheap way each engine allows."""
    tbl = table.table()
    cols = [tbl.c[c] for c in table.columns]
    total = estimated_rows(conn, table)
    if total is None or total < size * 4:
        total = count_rows(conn, table)
    if total <= size:
        return _all(conn, table)
    backend = conn.engine.url.get_backend_name()
    if backend == "postgresql":
        percent = min(100.0, size * 150.0 / max(total, 1))
        method = "SYSTEM" if total > 100_000 else "BERNOULLI"
        name = pg_name(table)
        column_list = ", ".join(quote_ident(c) for c in table.columns)
        reset_deadline(conn)
        rows = conn.execute(
            sa.text(
                f"SELECT {column_list} FROM {name} TABLESAMPLE {method} ({percent:.6f}) REPEATABLE (2018) LIMIT {size}"  # noqa: S608 - names come from the catalogue
            )
        ).all()
        if len(rows) >= size // 2:
            return list(rows)
    key = integer_key(table)
    per_window = max(1, size // windows)
    out: list[Sequence[Any]] = []
    if key is not None:
        lo, hi = conn.execute(sa.select(sa.func.min(tbl.c[key]), sa.func.max(tbl.c[key]))).one()
        span = max(1, int(hi) - int(lo) + 1)
        for i in range(windows):
            start = int(lo) + span * i // windows
            reset_deadline(conn)
            out += conn.execute(
                sa.select(*cols).where(tbl.c[key] >= start).order_by(tbl.c[key]).limit(per_window)
            ).all()
    else:
        for i in range(windows):
            reset_deadline(conn)
            out += conn.execute(sa.select(*cols).offset(total * i // windows).limit(per_window)).all()
    return _dedupe(out, table)


def _dedupe(rows: list[Sequence[Any]], table: TableInfo) -> list[Sequence[Any]]:
    if not table.key:
        return rows
    idx = [table.columns.index(k) for k in table.key]
    seen: set[tuple[Any, ...]] = set()
    unique = []
    for row in rows:
        k = tuple(row[i] for i in idx)
        if k not in seen:
            seen.add(k)
            unique.append(row)
    return unique


def _all(conn: sa.Connection, table: TableInfo) -> list[Sequence[Any]]:
    tbl = table.table()
    query = sa.select(*(tbl.c[c] for c in table.columns))
    if table.key:
        query = query.order_by(*(tbl.c[k] for k in table.key))
    reset_deadline(conn)
    return list(conn.execute(query).all())


def batches(
    conn: sa.Connection, table: TableInfo, batch_size: int, after: Sequence[Any] | None = None, skip: int = 0
) -> Iterator[tuple[list[Any], list[Any] | None]]:
    """All rows in primary-key order, ``batch_size`` at a time, starting after the key ``after``.

    Yields (rows, key of the last row). Tables without a primary key are read in the engine's order
    and resume by skipping ``skip`` rows (documented: weaker than key order if rows change meanwhile).
    """
    tbl = table.table()
    cols = [tbl.c[c] for c in table.columns]
    if not table.key:
        reset_deadline(conn)
        result = conn.execution_options(stream_results=True, yield_per=batch_size).execute(
            sa.select(*cols).offset(skip) if skip else sa.select(*cols)
        )
        for part in result.partitions(batch_size):
            yield list(part), None
        return
    key_cols = [tbl.c[k] for k in table.key]
    key_idx = [table.columns.index(k) for k in table.key]
    last = list(after) if after is not None else None
    while True:
        query = sa.select(*cols).order_by(*key_cols).limit(batch_size)
        if last is not None:
            query = (
                query.where(sa.tuple_(*key_cols) > sa.tuple_(*last))
                if len(key_cols) > 1
                else query.where(key_cols[0] > last[0])
            )
        reset_deadline(conn)
        rows = list(conn.execute(query).all())
        if not rows:
            return
        last = [rows[-1][i] for i in key_idx]
        yield rows, last
        if len(rows) < batch_size:
            return


@dataclass(frozen=True)
class ColumnBatch:
    """Rows read column by column: each column's values as one text, one line per row ("" for NULL).

    ``texts[j]`` is None for a column not read as text (dates, times, booleans hold no identifiers).
    ``row_key(i)`` is a sortable key of the batch's i-th row, used to choose examples deterministically.
    """

    rows: int
    texts: tuple[str | None, ...]
    nonempty: tuple[int, ...]
    row_key: Callable[[int], str]


_NOT_READ = ("DATE", "TIME", "BOOL", "INTERVAL")  # TIME covers TIMESTAMP and DATETIME


def read_as_text(column_type: str) -> bool:
    kind = column_type.upper()
    return not any(word in kind for word in _NOT_READ)


def column_batches(
    conn: sa.Connection, table: TableInfo, batch_size: int, after: int | None = None, before: int | None = None
) -> Iterator[tuple[ColumnBatch, list[Any] | None]]:
    """PostgreSQL only, tables with one integer key: every row with ``after < key < before`` in key order,
    ``batch_size`` at a time, already turned into one text per column by the server.

    PostgreSQL joins each column's values itself (``string_agg`` over the batch, in C, on the server):
    the scan needs exactly that text, and building it from millions of fetched rows in Python cost more
    than everything else in a full scan. All aggregates of one query see the rows in the same order, so
    line i of every column belongs to the same row. A value holding a line break would shift the lines:
    such a batch is read again with line breaks turned into spaces.
    """
    key = integer_key(table)
    if key is None:
        raise ValueError("column_batches needs a single integer primary key")
    key_index = table.columns.index(key)
    last = after
    while True:
        batch, top = _column_batch(conn, table, key, key_index, batch_size, last, before, clean=False)
        if batch is not None and any(t is not None and t.count("\n") != batch.rows - 1 for t in batch.texts):
            batch, top = _column_batch(conn, table, key, key_index, batch_size, last, before, clean=True)
        if batch is None or top is None:
            return
        last = top
        yield batch, [top]
        if batch.rows < batch_size:
            return


def _column_batch(
    conn: sa.Connection,
    table: TableInfo,
    key: str,
    key_index: int,
    size: int,
    after: int | None,
    before: int | None,
    clean: bool,
) -> tuple[ColumnBatch | None, int | None]:
    name = pg_name(table)
    quoted = [quote_ident(c) for c in table.columns]
    qkey = quote_ident(key)
    bounds = []
    if after is not None:
        bounds.append(f"{qkey} > {int(after)}")
    if before is not None:
        bounds.append(f"{qkey} < {int(before)}")
    where = " AND ".join(bounds)
    read = [read_as_text(t) for t in table.column_types]
    parts = ["count(*)", f"max({qkey})"]
    for q, kind, is_read in zip(quoted, table.column_types, read, strict=True):
        # bytea: printable bytes as they are (card digits stay digits), the rest as octal escapes
        value = f"encode({q}, 'escape')" if "BYTEA" in kind.upper() else f"{q}::text"
        text = f"translate({value}, E'\\n\\r', '  ')" if clean else value
        if is_read:
            parts.append(f"string_agg(coalesce({text}, ''), E'\\n')")
        textual = "CHAR" in kind.upper() or "TEXT" in kind.upper()
        parts.append(f"count(nullif({q}::text, ''))" if textual else f"count({q})")
    # Names come from the catalogue and the bounds are integers: nothing here is user text.
    query = (
        f"SELECT {', '.join(parts)} FROM (SELECT {', '.join(quoted)} FROM {name} "  # noqa: S608
        f"{'WHERE ' + where if where else ''} ORDER BY {qkey} LIMIT {int(size)}) AS batch"
    )
    reset_deadline(conn)
    values = list(conn.exec_driver_sql(query).one())
    rows, top = int(values[0]), values[1]
    if rows == 0:
        return None, None
    texts: list[str | None] = []
    nonempty: list[int] = []
    cursor_at = 2
    for is_read in read:
        if is_read:
            texts.append(values[cursor_at] or "")
            cursor_at += 1
        else:
            texts.append(None)
        nonempty.append(int(values[cursor_at]))
        cursor_at += 1
    keys = _LazyLines(texts[key_index] or "")
    return ColumnBatch(rows, tuple(texts), tuple(nonempty), lambda i: sortable(keys[i])), int(top)


def sortable(key_value: str) -> str:
    """A key value as text that sorts like the value: numbers padded to one width."""
    return key_value.zfill(20) if key_value.isdigit() else key_value


class _LazyLines:
    """The lines of a text, split only when one is first asked for (most batches have no findings)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines: list[str] | None = None

    def __getitem__(self, i: int) -> str:
        if self.lines is None:
            self.lines = self.text.split("\n")
        return self.lines[i]
