"""SQL dumps (mysqldump, pg_dump): INSERT rows and COPY blocks mapped to column names.

The dump is tokenised incrementally from the decoded stream, so a dump of any size is read with a
bounded buffer. Only what carries data is interpreted: CREATE TABLE (for column names), INSERT
... VALUES rows and pg_dump ``COPY ... FROM stdin`` blocks; other statements are skipped whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import BinaryIO

from .common import Context, ReadError, Units
from .serialized import field_units
from .text import decoded_pieces

MAX_TOKEN = 256 * 1024**2  # a single string literal larger than this is reported, not buffered

# Words that start a table-level clause in CREATE TABLE rather than a column definition.
CONSTRAINT_WORDS = frozenset(
    {"primary", "key", "unique", "constraint", "index", "foreign", "check", "fulltext", "spatial", "exclude", "like"}
)

_MYSQL_STRING = r"'(?:[^'\\]|\\.|'')*'"
_PG_STRING = r"'(?:[^']|'')*'"
_E_STRING = r"[eE]'(?:[^'\\]|\\.|'')*'"
_COMMON = (
    r"(?P<ws>\s+)"
    r"|(?P<comment>--[^\n]*\n|\#[^\n]*\n|/\*.*?\*/)"
    r"|(?P<dollar>\$(?P<tag>[A-Za-z_]\w*)?\$.*?\$(?P=tag)?\$)"
    r"|(?P<hex>0x[0-9A-Fa-f]+|[xX]'[0-9A-Fa-f]*')"
    r"|(?P<qident>`(?:[^`]|``)*`|\"(?:[^\"]|\"\")*\")"
    r"|(?P<num>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+)"
    r"|(?P<word>[A-Za-z_][\w$]*)"
    r"|(?P<punct>.)"
)
MYSQL_TOKEN = re.compile(rf"(?P<str>(?:_\w+\s*|[nN])?{_MYSQL_STRING})|{_COMMON}", re.DOTALL)
PG_TOKEN = re.compile(rf"(?P<str>{_E_STRING}|{_PG_STRING})|{_COMMON}", re.DOTALL)
_VALUE_TAIL = (
    r"|(?P<n>-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)|(?P<w>NULL|null|TRUE|FALSE|true|false|DEFAULT))\s*(?P<sep>[,)])"
)
MYSQL_VALUE = re.compile(rf"\s*(?:(?P<s>(?:_\w+\s*|[nN])?{_MYSQL_STRING}){_VALUE_TAIL}", re.DOTALL)
PG_VALUE = re.compile(rf"\s*(?:(?P<s>{_E_STRING}|{_PG_STRING}){_VALUE_TAIL}", re.DOTALL)
PG_HINT = re.compile(r"PostgreSQL database dump|standard_conforming_strings\s*=\s*on|COPY\s.+FROM\s+stdin", re.I)

MYSQL_ESCAPES = {"0": "\0", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a"}
COPY_ESCAPE = re.compile(r"\\(.)")
_IDENT = r'`(?:[^`]|``)*`|"(?:[^"]|"")*"|[A-Za-z_][\w$]*'
IDENT_LIST = re.compile(rf"\s*((?:{_IDENT})(?:\s*,\s*(?:{_IDENT}))*)\s*\)")
_IDENT_RE = re.compile(_IDENT)
MYSQL_UNESCAPE = re.compile(r"\\(.)|''", re.DOTALL)


# Characters that, matched alone, may start a quoted string or comment not yet fully buffered.
SLOW_OPENERS = "'`\"$-/#"
_AGAIN = object()


@dataclass(slots=True)
class Token:
    kind: str
    text: str
    line: int


class Scanner:
    """Yields tokens from text pieces, refilling its buffer when a token might continue."""

    def __init__(self, pieces: Iterator[str], pattern: re.Pattern[str]) -> None:
        self._pieces = pieces
        self._pattern = pattern
        self.buf = ""
        self.pos = 0
        self.line = 1
        self.eof = False

    def _fill(self) -> bool:
        piece = next(self._pieces, None)
        if piece is None:
            self.eof = True
            return False
        self.buf = self.buf[self.pos :] + piece
        self.pos = 0
        return True

    def _advance(self, end: int) -> None:
        self.line += self.buf.count("\n", self.pos, end)
        self.pos = end

    def next(self) -> Token | None:
        while True:
            buf, pos = self.buf, self.pos
            m = self._pattern.match(buf, pos)
            if m is not None:
                end, kind = m.end(), m.lastgroup
                # fast path: a complete token that cannot continue past the buffered text
                if (end < len(buf) or self.eof) and (kind != "punct" or buf[pos] not in SLOW_OPENERS):
                    line = self.line
                    self.line += buf.count("\n", pos, end)
                    self.pos = end
                    if kind == "ws" or kind == "comment":
                        continue
                    return Token(kind or "punct", m.group(), line)
            token = self._slow_next(m)
            if token is not _AGAIN:
                return token  # type: ignore[return-value]

    def _slow_next(self, m: re.Match[str] | None) -> Token | object | None:
        """Buffer more text when a token may continue, or report an unterminated one."""
        if self.pos >= len(self.buf):
            return _AGAIN if self._fill() else None
        opener = self.buf[self.pos]
        incomplete = m is None or m.end() == len(self.buf)
        if m is not None and m.lastgroup == "punct" and opener in SLOW_OPENERS:
            incomplete = True  # an opening quote (or comment) whose end is not buffered yet
        if incomplete and not self.eof:
            if len(self.buf) - self.pos > MAX_TOKEN:
                raise ReadError(f"line {self.line}: a single value larger than 256 MB; rest not read")
            self._fill()
            return _AGAIN
        if m is None:
            raise ReadError(f"line {self.line}: cannot tokenise SQL")
        kind = m.lastgroup or "punct"
        if kind == "punct" and opener in "'`\"":
            raise ReadError(f"line {self.line}: unterminated quoted string; rest of the dump not read")
        line = self.line
        self._advance(m.end())
        if kind in ("ws", "comment"):
            return _AGAIN
        return Token(kind, m.group(), line)

    def simple_row(self, pg: bool) -> list[str | None] | None:
        """Values of a row made only of literals, read with one expression per value (fast path).

        Returns None, consuming nothing, when the row holds anything else (function calls,
        casts) or reaches past the buffered text; the token path then reads it.
        """
        pattern = PG_VALUE if pg else MYSQL_VALUE
        buf, pos, values = self.buf, self.pos, []
        while True:
            m = pattern.match(buf, pos)
            if m is None or m.end() >= len(buf):
                return None
            kind = "str" if m.group("s") else "num" if m.group("n") else ""
            values.append(_literal(kind, m.group("s") or m.group("n"), pg) if kind else None)
            pos = m.end()
            if m.group("sep") == ")":
                break
        self.line += buf.count("\n", self.pos, pos)
        self.pos = pos
        return values

    def simple_ident_list(self) -> list[str] | None:
        """A column list made of plain or quoted names up to its `)`, read with one expression (fast
        path: dumps repeat the same list in every INSERT). None, consuming nothing, otherwise."""
        m = IDENT_LIST.match(self.buf, self.pos)
        if m is None or m.end() >= len(self.buf):
            return None
        self.line += self.buf.count("\n", self.pos, m.end())
        self.pos = m.end()
        return list(_names(m.group(1)))

    def read_line(self) -> tuple[str, int] | None:
        """Raw text up to the next newline (for COPY data)."""
        while True:
            end = self.buf.find("\n", self.pos)
            if end >= 0 or self.eof:
                stop = end + 1 if end >= 0 else len(self.buf)
                if stop == self.pos:
                    return None
                text, line = self.buf[self.pos : stop], self.line
                self._advance(stop)
                return text.rstrip("\r\n"), line
            if not self._fill() and self.pos >= len(self.buf):
                return None


def read_sql(stream: BinaryIO, codec: str, ctx: Context) -> Units:
    pieces = decoded_pieces(stream, codec)
    first = next(pieces, "")
    pattern = PG_TOKEN if PG_HINT.search(first[:65536]) else MYSQL_TOKEN
    scanner = Scanner(_chain(first, pieces), pattern)
    yield from _Parser(scanner, ctx, pattern is PG_TOKEN).run()


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


class _Parser:
    def __init__(self, scanner: Scanner, ctx: Context, pg: bool) -> None:
        self.s = scanner
        self.ctx = ctx
        self.tables: dict[str, list[str]] = {}
        self.record = 0
        self.pushed: Token | None = None
        self.pg = pg

    def next(self) -> Token | None:
        if self.pushed is not None:
            tok, self.pushed = self.pushed, None
            return tok
        return self.s.next()

    def run(self) -> Units:
        while (tok := self.next()) is not None:
            word = tok.text.lower() if tok.kind == "word" else ""
            if word in ("insert", "replace"):
                yield from self._insert()
            elif word == "create":
                self._create()
            elif word == "copy":
                yield from self._copy()
            elif tok.text != ";":
                self._skip_statement()

    def _skip_statement(self) -> None:
        while (tok := self.next()) is not None and tok.text != ";":
            pass

    def _name(self) -> str | None:
        """A possibly schema-qualified name; returns its last part, unquoted and lower-cased."""
        tok = self.next()
        if tok is None or tok.kind not in ("word", "qident"):
            self.pushed = tok
            return None
        name = _unquote_ident(tok)
        while (dot := self.next()) is not None and dot.text == ".":
            part = self.next()
            if part is None:
                return name
            name = _unquote_ident(part)
        self.pushed = dot
        return name.lower()

    def _ident_list(self) -> list[str]:
        names: list[str] = []
        while (tok := self.next()) is not None and tok.text != ")":
            if tok.kind in ("word", "qident"):
                names.append(_unquote_ident(tok))
        return names

    def _create(self) -> None:
        tok = self.next()
        while tok is not None and tok.kind == "word" and tok.text.lower() in ("temporary", "temp", "unlogged"):
            tok = self.next()
        if tok is None or tok.text.lower() != "table":
            self.pushed = tok
            self._skip_statement()
            return
        name = self._name()
        while name in ("if", "not", "exists"):
            name = self._name()
        tok = self.next()
        if name is None or tok is None or tok.text != "(":
            self._skip_statement()
            return
        columns: list[str] = []
        depth, start = 1, True
        while depth > 0 and (tok := self.next()) is not None:
            if tok.text == "(":
                depth += 1
            elif tok.text == ")":
                depth -= 1
            elif tok.text == "," and depth == 1:
                start = True
                continue
            elif start and depth == 1 and tok.kind in ("word", "qident"):
                column = _unquote_ident(tok)
                if tok.kind == "qident" or column.lower() not in CONSTRAINT_WORDS:
                    columns.append(column)
            start = False
        self.tables[name] = columns
        self._skip_statement()

    def _insert(self) -> Units:
        tok = self.next()
        while tok is not None and tok.kind == "word" and tok.text.lower() in ("ignore", "low_priority", "delayed"):
            tok = self.next()
        if tok is None or tok.text.lower() != "into":
            self.pushed = tok
        name = self._name()
        tok = self.next()
        columns = self.tables.get(name or "", [])
        if tok is not None and tok.text == "(":
            fast = self.s.simple_ident_list()
            columns = fast if fast is not None else self._ident_list()
            tok = self.next()
        if tok is None or tok.text.lower() not in ("values", "value"):
            if tok is not None and tok.text != ";":
                self._skip_statement()
            return
        while (tok := self.next()) is not None and tok.text != ";":
            if tok.text == "(":
                yield from self._row(columns, tok.line)

    def _row(self, columns: list[str], line: int) -> Units:
        self.record += 1
        fast = self.s.simple_row(self.pg)
        values: list[str | None] = fast if fast is not None else self._token_row()
        for index, value in enumerate(values):
            if value is not None:
                key = columns[index] if index < len(columns) else None
                yield from field_units(key, value, self.ctx.display, self.record, line=line)

    def _token_row(self) -> list[str | None]:
        values: list[str | None] = [None]
        depth = 0
        while (tok := self.next()) is not None:
            if tok.text == "(":
                depth += 1
            elif tok.text == ")":
                if depth == 0:
                    break
                depth -= 1
            elif tok.text == "," and depth == 0:
                values.append(None)
            elif tok.kind in ("str", "num", "dollar", "hex") or (tok.kind == "qident" and tok.text[0] == '"'):
                # MySQL (without ANSI_QUOTES) also quotes string values with double quotes
                text = _literal(tok.kind, tok.text, self.pg)
                values[-1] = text if values[-1] is None else values[-1] + text
        return values

    def _copy(self) -> Units:
        name = self._name()
        columns = self.tables.get(name or "", [])
        tok = self.next()
        if tok is not None and tok.text == "(":
            columns = self._ident_list()
            tok = self.next()
        from_stdin = False
        while tok is not None and tok.text != ";":
            from_stdin = from_stdin or tok.text.lower() == "stdin"
            tok = self.next()
        if not from_stdin:
            return
        self.s.read_line()  # the rest of the COPY line
        while (got := self.s.read_line()) is not None:
            text, line = got
            if text == "\\.":
                return
            self.record += 1
            for index, raw in enumerate(text.split("\t")):
                if raw == "\\N" or not raw:
                    continue
                value = COPY_ESCAPE.sub(_copy_escape, raw)
                key = columns[index] if index < len(columns) else None
                yield from field_units(key, value, self.ctx.display, self.record, line=line)
        raise ReadError(f"line {self.s.line}: COPY data block not ended by \\. (truncated dump?)")


@lru_cache(maxsize=1024)
def _names(ident_list: str) -> tuple[str, ...]:
    return tuple(
        _unquote_ident(Token("qident" if m[0] in '`"' else "word", m, 0)) for m in _IDENT_RE.findall(ident_list)
    )


def _unquote_ident(tok: Token) -> str:
    if tok.kind == "qident":
        quote = tok.text[0]
        return tok.text[1:-1].replace(quote * 2, quote)
    return tok.text


def _literal(kind: str, text: str, pg: bool) -> str:
    if kind == "num":
        return text
    if kind == "hex":
        return _hex_text(text)
    if kind == "qident":
        return text[1:-1].replace('""', '"')
    if kind == "dollar":
        start = text.index("$", 1) + 1
        return text[start : text.rindex("$", 0, len(text) - 1)]
    quote = text.index("'")
    body = text[quote + 1 : -1]
    if pg and text[0] not in "eE":
        return body.replace("''", "'")
    if "\\" not in body and "''" not in body:
        return body
    return MYSQL_UNESCAPE.sub(_mysql_escape, body)


def _mysql_escape(m: re.Match[str]) -> str:
    if m.group(1) is None:
        return "'"
    ch = m.group(1)
    return MYSQL_ESCAPES.get(ch, ch)


def _copy_escape(m: re.Match[str]) -> str:
    ch = m.group(1)
    return MYSQL_ESCAPES.get(ch, ch) if ch != "0" else "\\0"


def _hex_text(text: str) -> str:
    """mysqldump --hex-blob writes text columns as 0x...; show them as text when they are."""
    digits = text[2:] if text[:2].lower() == "0x" else text[2:-1]
    try:
        return bytes.fromhex(digits).decode("utf-8")
    except ValueError:
        return text
