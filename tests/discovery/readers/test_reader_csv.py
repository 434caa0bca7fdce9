"""CSV and TSV: header awareness, dialects, quoted newlines, serialized cells."""

from __future__ import annotations

from pathlib import Path

from mamori.discovery.engine.readers import read_file
from mamori.discovery.engine.types import AsciiChunk, FileProblem, ReadLimits, TextUnit


def read(path: Path) -> tuple[list[TextUnit | AsciiChunk], list[FileProblem]]:
    items = list(read_file(path, ReadLimits()))
    return [i for i in items if not isinstance(i, FileProblem)], [i for i in items if isinstance(i, FileProblem)]


def test_header_names_become_keys_and_rows_become_records(tmp_path: Path) -> None:
    # given a CSV export with a header
    path = tmp_path / "orders.csv"
    path.write_text("order_id,name,card_no,cvv\n1,山田,4111111111111111,123\n2,佐藤,5555555555554444,456\n")
    # when read
    units, problems = read(path)
    # then each field is a unit keyed by its column, grouped by record and line
    assert not problems
    card = next(u for u in units if u.text == "5555555555554444")
    assert (card.key, card.record, card.line) == ("card_no", 2, 3)
    assert any(u.key == "cvv" and u.text == "456" and u.record == 2 for u in units)
    assert not any(u.text == "card_no" for u in units)


def test_a_csv_without_header_still_yields_every_value(tmp_path: Path) -> None:
    # given rows of data only
    path = tmp_path / "dump.csv"
    path.write_text("1,4111111111111111,12/28\n2,4242424242424242,01/29\n")
    # when read
    units, _ = read(path)
    # then the values come back without keys
    assert [u.text for u in units if u.record == 1] == ["1", "4111111111111111", "12/28"]
    assert all(u.key is None for u in units)


def test_quoted_fields_with_newlines_stay_one_value(tmp_path: Path) -> None:
    # given a quoted note spanning lines, with an escaped quote
    path = tmp_path / "notes.csv"
    path.write_text('id,note\n1,"電話で受付\nカード ""4111111111111111"""\n2,other\n')
    # when read
    units, _ = read(path)
    # then the note is one value and the next record starts on its own line
    note = next(u for u in units if u.key == "note" and u.record == 1)
    assert note.text == '電話で受付\nカード "4111111111111111"'
    assert next(u for u in units if u.record == 2 and u.key == "id").line == 4


def test_tab_separated_files_are_read_by_column(tmp_path: Path) -> None:
    # given a TSV in Shift_JIS
    path = tmp_path / "customers.tsv"
    path.write_bytes("氏名\t電話番号\n山田太郎\t090-1234-5678\n".encode("cp932"))
    # when read
    units, _ = read(path)
    # then the columns give the keys
    assert [(u.key, u.text) for u in units] == [("氏名", "山田太郎"), ("電話番号", "090-1234-5678")]


def test_semicolon_dialect_is_sniffed(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("name;email;tel\nTaro;taro@example.jp;0312345678\nHanako;hana@example.jp;0311112222\n")
    units, _ = read(path)
    assert ("email", "hana@example.jp") in [(u.key, u.text) for u in units]


def test_a_serialized_payment_memo_in_a_cell_is_expanded_with_keys(tmp_path: Path) -> None:
    # given an EC-CUBE dtb_order export whose memo02 holds a PHP-serialized array
    memo = 'a:2:{s:7:"card_no";s:16:"4111111111111111";s:8:"security";s:3:"123";}'
    path = tmp_path / "dtb_order.csv"
    path.write_text('order_id,memo02\n10,"' + memo.replace('"', '""') + '"\n')
    # when read
    units, _ = read(path)
    # then the memo's fields come back as sub-fields of the same record
    assert [(u.key, u.text, u.record) for u in units if u.key and u.key.startswith("memo02")] == [
        ("memo02.card_no", "4111111111111111", 1),
        ("memo02.security", "123", 1),
    ]


def test_a_header_over_word_like_data_is_recognised_by_its_column_names(tmp_path: Path) -> None:
    # given a header whose data rows are words too (no digits anywhere)
    path = tmp_path / "members.csv"
    path.write_text("name,email\nTaro,taro@example.jp\nHanako,hanako@example.jp\n")
    # when read
    units, _ = read(path)
    # then the header still gives the keys
    assert [(u.key, u.text) for u in units if u.record == 1] == [("name", "Taro"), ("email", "taro@example.jp")]
