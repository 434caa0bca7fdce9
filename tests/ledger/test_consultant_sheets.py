"""Real consultant sheets import (issue 13, item 5): a title, a date line, a form block and blank rows above the
header; a running-number column (No. / # / 通番) beside 管理番号; counts that match the problems listed; messages
that name the values each column accepts.

The sheets are built here, as consultants' templates lay them out: XLSX (openpyxl), CSV in Shift_JIS (Excel's
「CSV (コンマ区切り)」) and CSV in UTF-8 with a BOM (Excel's 「CSV UTF-8」).
"""

from __future__ import annotations

import csv
import io
import re
from io import BytesIO
from typing import Any

import openpyxl
import pytest

from mamori.accounts.policy import SYSTEM
from mamori.ledger import importing, layout, services
from mamori.ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db

HEADER = ["No.", "管理番号", "個人情報の名称", "管理部門", "管理責任者", "項目", "件数", "利用目的", "媒体"]
HEADER += ["保管場所", "保有個人データ", "カード情報の保持", "最終見直し日", "次回見直し予定"]
ROWS = [
    [1, "PI-001", "通販会員情報", "EC課", "EC課長", "氏名、住所、電話番号", "約3,000件", "商品の発送", "電子"],
    [2, "PI-002", "カード決済記録", "EC課", "EC課長", "氏名、クレジットカード番号", "1200", "決済", "電子"],
    [3, "PI-003", "従業員名簿", "総務部", "総務部長", "氏名、住所", "25名", "雇用管理", "紙・電子"],
]
TAILS = [
    ["基幹サーバー", "該当", "非保持", "2026/04/01", "2027/03/31"],
    ["決済代行会社", "該当", "非保持", "令和8年4月1日", ""],
    ["総務部キャビネット", "○", "×", "", ""],
]
TITLE_BLOCK: list[list[Any]] = [
    ["個人情報管理台帳"],  # the sheet's title
    ["作成日:2026年4月1日", "", "", "", "承認", "代表取締役"],  # a date line
    ["管理部門", "全社", "管理責任者", "個人情報保護管理者"],  # a form block naming two columns
    [],  # a blank row
]


def sheet_rows(header: list[str] = HEADER, title: list[list[Any]] = TITLE_BLOCK) -> list[list[Any]]:
    return [*title, header, *[[*row, *tail] for row, tail in zip(ROWS, TAILS, strict=True)]]


def as_xlsx(rows: list[list[Any]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "個人情報管理台帳"
    for row in rows:
        sheet.append(row)
    sheet.merge_cells("A1:F1")  # the title spans the table, as in most templates
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def as_csv(rows: list[list[Any]], encoding: str) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


SHEETS = {
    "xlsx": lambda rows: (as_xlsx(rows), "個人情報管理台帳.xlsx"),
    "csv-shift_jis": lambda rows: (as_csv(rows, "cp932"), "個人情報管理台帳.csv"),
    "csv-utf8-bom": lambda rows: (as_csv(rows, "utf-8-sig"), "個人情報管理台帳.csv"),
}


@pytest.mark.parametrize("kind", SHEETS)
def test_a_consultant_sheet_with_a_title_block_and_a_running_number_imports(kind):
    # given a sheet with a title, a date line, a form block and a blank row above the header, and "No." before 管理番号
    data, name = SHEETS[kind](sheet_rows())
    # when
    preview = importing.validate_file(data, name)
    # then the header is found on row 5, the running number is ignored and every entry is ready
    assert preview.ok, [(e.row, e.column, e.message) for e in preview.errors]
    assert preview.header_row == 5
    assert preview.ignored_columns == ["No."]
    assert [e.values["reference"] for e in preview.entries] == ["PI-001", "PI-002", "PI-003"]
    assert [e.row for e in preview.entries] == [6, 7, 8]
    # and the import keeps 管理番号, not the running number
    services.import_entries(SYSTEM, preview.entries, name)
    entry = LedgerEntry.objects.get(reference="PI-003")
    assert entry.name == "従業員名簿" and entry.card_data_retained is False and entry.approximate_count == 25


@pytest.mark.parametrize("running", ["No", "#", "番号", "通番", "連番", "項番", "NO."])
def test_every_running_number_header_beside_the_reference_is_ignored(running):
    # given
    data, name = SHEETS["csv-utf8-bom"](sheet_rows([running, *HEADER[1:]], title=[]))
    # when
    preview = importing.validate_file(data, name)
    # then
    assert preview.ok, [(e.column, e.message) for e in preview.errors]
    assert preview.ignored_columns == [running]


def test_a_running_number_after_the_reference_is_ignored_too():
    # given: 管理番号 first, then "No."
    header = ["管理番号", "No.", *HEADER[2:]]
    rows = [header, *[[r[1], r[0], *r[2:], *tail] for r, tail in zip(ROWS, TAILS, strict=True)]]
    # when
    preview = importing.validate_file(as_csv(rows, "utf-8-sig"), "台帳.csv")
    # then
    assert preview.ok and preview.ignored_columns == ["No."]
    assert preview.entries[0].values["reference"] == "PI-001"


def test_a_no_column_alone_still_names_the_reference():
    # given: an older sheet whose only number column is "No."
    rows = [["No.", *HEADER[2:]], *[[f"A-{r[0]}", *r[2:], *tail] for r, tail in zip(ROWS, TAILS, strict=True)]]
    # when
    preview = importing.validate_file(as_csv(rows, "cp932"), "台帳.csv")
    # then
    assert preview.ok and preview.ignored_columns == []
    assert [e.values["reference"] for e in preview.entries] == ["A-1", "A-2", "A-3"]


def test_the_problem_count_equals_the_problems_listed():
    # given: a header problem (a column that really is there twice), found before any row is read
    header = [*HEADER, "管理部署"]  # 管理部署 is another name for 管理部門
    # when
    preview = importing.validate_file(as_xlsx(sheet_rows(header)), "台帳.xlsx")
    # then: one problem, counted once
    assert [(e.row, e.column) for e in preview.errors] == [(5, "管理部署")]
    assert preview.error_count == len(preview.errors) == 1 and preview.more_errors == 0


def test_a_problem_added_after_checking_is_counted():
    # given: a checked file, and a clash found only when saving (the view adds it to the preview)
    preview = importing.validate_file(as_xlsx(sheet_rows()), "台帳.xlsx")
    # when
    preview.errors.append(importing.CellError(None, "", "an entry with this reference number already exists"))
    # then
    assert preview.error_count == 1


def test_the_preview_page_counts_what_it_lists(manager, client_for):
    # given a sheet whose header has an unknown column
    upload = BytesIO(as_xlsx(sheet_rows([*HEADER, "リスク評価"])))
    upload.name = "台帳.xlsx"
    # when
    response = client_for(manager).post("/ledger/import/", {"file": upload})
    # then the banner's number is the number of rows in the problem table
    page = response.content.decode()
    listed = re.search(r"<table>.*?<tbody>(.*?)</tbody>", page, re.S)
    assert response.status_code == 400 and listed is not None
    assert listed.group(1).count("<tr>") == 1
    assert re.search(r'id="problems-title">\s*1 (problem|件)', page), page[:3000]


def test_the_preview_says_which_columns_and_rows_were_skipped(manager, client_for):
    # given
    upload = BytesIO(as_xlsx(sheet_rows()))
    upload.name = "台帳.xlsx"
    # when
    response = client_for(manager).post("/ledger/import/", {"file": upload})
    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="ignored-columns"' in page and "No." in page
    assert "4 rows above the headers" in page or "4 行" in page


@pytest.mark.parametrize(
    ("column", "key", "label"),
    [
        ("カード情報の保持", "card_data_retained", ("保持", "非保持")),
        ("保有個人データ", "retained_personal_data", ("該当", "非該当")),
    ],
)
def test_a_yes_no_message_names_the_values_its_column_accepts(column, key, label):
    # given a row with a word the column does not take
    rows = sheet_rows(title=[])
    rows[1][HEADER.index(column)] = "不明"
    # when
    preview = importing.validate_file(as_csv(rows, "cp932"), "台帳.csv")
    # then the message names the column's own pair first
    [error] = preview.errors
    assert error.column == column and error.value == "不明"
    assert f"{label[0]} or {label[1]}" in error.message
    # and every value it names is one the parser takes, with the meaning it says
    words = re.findall(r"[^\s/、()]+/[^\s/、()]+", error.message.split("also accepted:")[1])
    assert words, error.message
    for pair in words:
        yes, no = pair.split("/")
        assert importing.parse_yes_no(yes, key) is True and importing.parse_yes_no(no, key) is False
    assert importing.parse_yes_no(label[0], key) is True and importing.parse_yes_no(label[1], key) is False


def test_the_export_writes_the_first_word_of_each_yes_no_column():
    assert layout.yes_no_label(True, "card_data_retained") == "保持"
    assert layout.yes_no_label(False, "card_data_retained") == "非保持"
    assert layout.yes_no_label(True, "retained_personal_data") == "該当"
    assert layout.yes_no_label(False, "retained_personal_data") == "非該当"
