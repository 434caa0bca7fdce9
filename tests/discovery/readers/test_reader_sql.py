"""SQL dumps from mysqldump and pg_dump."""

from __future__ import annotations

from pathlib import Path

from mamori.discovery.engine.readers import read_file
from mamori.discovery.engine.types import AsciiChunk, FileProblem, ReadLimits, TextUnit

MYSQL_DUMP = r"""-- MySQL dump 10.13  Distrib 5.7.44, for Linux (x86_64)
/*!40101 SET NAMES utf8mb4 */;
DROP TABLE IF EXISTS `dtb_order`;
CREATE TABLE `dtb_order` (
  `order_id` int(11) NOT NULL,
  `order_name01` text,
  `memo02` text,
  PRIMARY KEY (`order_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8;
LOCK TABLES `dtb_order` WRITE;
INSERT INTO `dtb_order` VALUES (1,'O\'Brien','a:2:{s:7:\"card_no\";s:16:\"4111111111111111\";s:3:\"cvv\";s:3:\"123\";}'),(2,'山田;太郎','line1\nline2 (x), ''quoted''');
INSERT INTO `dtb_customer` (`customer_id`, `email`, `tel01`) VALUES (7,'taro@example.jp',NULL);
UNLOCK TABLES;
"""  # noqa: E501

PG_DUMP = """--
-- PostgreSQL database dump
--
SET standard_conforming_strings = on;
CREATE TABLE public.dtb_customer (
    customer_id integer NOT NULL,
    name01 text,
    email text,
    note text
);
COPY public.dtb_customer (customer_id, name01, email, note) FROM stdin;
1\t山田\ttaro@example.jp\tcard 4111111111111111\\tcvv 123
2\t佐藤\t\\N\tpath C:\\\\temp
\\.
INSERT INTO public.dtb_customer VALUES (3, 'O''Hara', 'ohara@example.jp', 'C:\\new');
"""


def read(path: Path) -> tuple[list[TextUnit | AsciiChunk], list[FileProblem]]:
    items = list(read_file(path, ReadLimits()))
    return [i for i in items if not isinstance(i, FileProblem)], [i for i in items if isinstance(i, FileProblem)]


def test_mysql_multi_row_insert_maps_values_to_create_table_columns(tmp_path: Path) -> None:
    # given a mysqldump with an extended INSERT without a column list
    path = tmp_path / "eccube.sql"
    path.write_text(MYSQL_DUMP)
    # when read
    units, problems = read(path)
    # then values get their column names, escapes are undone and each row is a record
    assert not problems
    got = [(u.key, u.text, u.record, u.line) for u in units]
    assert ("order_name01", "O'Brien", 1, 11) in got
    assert ("memo02.card_no", "4111111111111111", 1, 11) in got
    assert ("memo02.cvv", "123", 1, 11) in got
    assert ("order_name01", "山田;太郎", 2, 11) in got
    assert ("memo02", "line1\nline2 (x), 'quoted'", 2, 11) in got


def test_insert_with_a_column_list_uses_it(tmp_path: Path) -> None:
    path = tmp_path / "eccube.sql"
    path.write_text(MYSQL_DUMP)
    units, _ = read(path)
    assert [(u.key, u.text) for u in units if u.record == 3] == [("customer_id", "7"), ("email", "taro@example.jp")]


def test_pg_dump_copy_blocks_and_inserts_are_read(tmp_path: Path) -> None:
    # given a pg_dump with a COPY block and an INSERT in standard-conforming strings
    path = tmp_path / "pg.sql"
    path.write_text(PG_DUMP)
    # when read
    units, problems = read(path)
    # then COPY rows map to the COPY column list, \N is NULL, escapes are undone
    assert not problems
    got = [(u.key, u.text, u.record) for u in units]
    assert ("note", "card 4111111111111111\tcvv 123", 1) in got
    assert ("note", "path C:\\temp", 2) in got
    assert not [g for g in got if g[1] == "\\N"]
    # and the INSERT takes its columns from CREATE TABLE, keeping backslashes literal
    assert ("name01", "O'Hara", 3) in got
    assert ("note", "C:\\new", 3) in got
    assert next(u.line for u in units if u.text == "佐藤") == 13


def test_a_truncated_dump_reports_where_it_stops(tmp_path: Path) -> None:
    # given a dump cut off inside a string
    path = tmp_path / "cut.sql"
    path.write_text("INSERT INTO t (a, b) VALUES (1, 'ok'), (2, 'never clo")
    # when read
    units, problems = read(path)
    # then the complete values were read and the problem names the line
    assert ("b", "ok") in [(u.key, u.text) for u in units]
    assert problems and "line 1: unterminated quoted string" in problems[0].message


def test_pg_escape_strings_and_dollar_quotes_are_decoded(tmp_path: Path) -> None:
    path = tmp_path / "pg.sql"
    path.write_text(
        "-- PostgreSQL database dump\nINSERT INTO public.t (a, b) VALUES (E'line\\none', $$it's 4111111111111111$$);\n"
    )
    units, problems = read(path)
    assert not problems
    assert [(u.key, u.text) for u in units] == [("a", "line\none"), ("b", "it's 4111111111111111")]
