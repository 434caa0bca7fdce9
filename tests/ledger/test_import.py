"""Importing a consultant's ledger: every problem is listed by row and column, and a file with any
problem imports nothing; a good file imports completely in one transaction."""

from __future__ import annotations

import datetime as dt
import time
import zipfile
from io import BytesIO

import pytest
from django.db import IntegrityError

from mamori.accounts.policy import SYSTEM
from mamori.audit.models import AuditEntry
from mamori.ledger import exporting, importing, services
from mamori.ledger.layout import HEADERS
from mamori.ledger.models import LedgerEntry, LedgerEntryRevision
from tests.ledger.conftest import csv_bytes, good_row, xlsx_bytes

pytestmark = pytest.mark.django_db


def _problems(preview: importing.Preview) -> list[tuple[int | None, str, str]]:
    return [(e.row, e.column, e.message) for e in preview.errors]


def _import(data: bytes, name: str = "ledger.xlsx") -> int:
    preview = importing.validate_file(data, name)
    assert preview.ok, _problems(preview)
    return services.import_entries(SYSTEM, preview.entries, name)


# ---------------------------------------------------------------------------------------------- good files


def test_a_well_formed_workbook_imports_every_field(server_co, logistics_co):
    # given
    row = good_row(
        1,
        委託先=f"{server_co.name}、{logistics_co.name}",
        項目="氏名、クレジットカード番号、病歴",
        件数=1200,
        第三者提供="提携先A社(商品の共同配送)",
        外国移転="なし",
        保有個人データ="非該当",
        最終見直し日=dt.datetime(2026, 4, 1),
        次回見直し予定="2027-03-31",
    )
    # when
    count = _import(xlsx_bytes([row]))
    # then
    assert count == 1
    entry = LedgerEntry.objects.get(reference="A-00001")
    assert entry.name == "顧客リスト1" and entry.department == "営業部"
    assert sorted(c.name for c in entry.categories.all()) == sorted(["氏名", "クレジットカード番号", "病歴"])
    assert {c.pk for c in entry.contractors.all()} == {server_co.pk, logistics_co.pk}
    assert entry.approximate_count == 1200
    assert (entry.acquisition_method, entry.notice_basis, entry.medium) == ("direct_written", "consent", "electronic")
    assert entry.third_party_provision == "提携先A社(商品の共同配送)" and entry.foreign_transfer == ""
    assert entry.retained_personal_data is False and entry.card_data_retained is False
    assert entry.last_reviewed == dt.date(2026, 4, 1) and entry.next_review_due == dt.date(2027, 3, 31)


def test_each_imported_entry_gets_its_first_revision_and_the_import_one_audit_entry(db):
    # given
    data = xlsx_bytes([good_row(1), good_row(2)])
    # when
    _import(data, "台帳.xlsx")
    # then
    assert LedgerEntryRevision.objects.filter(number=1).count() == 2
    entry = AuditEntry.objects.get(action="import")
    assert "台帳.xlsx" in entry.message and "2 entries" in entry.message


def test_an_empty_next_review_date_is_one_year_after_the_last_review(db):
    _import(xlsx_bytes([good_row(1, 最終見直し日="2024/02/29")]))
    assert LedgerEntry.objects.get().next_review_due == dt.date(2025, 2, 28)


def test_a_title_row_above_the_headers_is_skipped_and_rows_are_numbered_as_in_excel(db):
    # given: a title on row 1, a blank row 2, headers on row 3, entries from row 4
    data = xlsx_bytes([good_row(1), good_row(2, 最終見直し日="2026/13/01")], title_rows=2)
    # when
    preview = importing.validate_file(data, "ledger.xlsx")
    # then
    assert preview.header_row == 3
    assert _problems(preview) == [(5, "最終見直し日", "there is no such day")]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "cp932"])
def test_csv_in_utf8_with_or_without_bom_and_in_shift_jis_imports(db, encoding):
    assert _import(csv_bytes([good_row(1), good_row(2)], encoding=encoding), "ledger.csv") == 2


def test_header_variants_from_other_templates_are_recognised(db):
    # given: full-width spaces, a ※ mark, a note in brackets, other wordings, half-width katakana dots
    variants = {
        "管理番号": "Ｎｏ．",
        "個人情報の名称": "※個人情報の名称",
        "管理部門": "管理 部門",
        "項目": "個人情報の項目",
        "件数": "件数（概数）",
        "通知・同意": "通知／同意",
        "保管期限": "保存期間",
        "アクセス権を有する者": "アクセス権者",
        "次回見直し予定": "次回見直し日",
    }
    headers = [variants.get(h, h) for h in HEADERS]
    row = {variants.get(k, k): v for k, v in good_row(1).items()}
    # when
    preview = importing.validate_file(xlsx_bytes([row], headers=headers), "ledger.xlsx")
    # then
    assert preview.ok, _problems(preview)
    assert preview.entries[0].values["reference"] == "A-00001"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2024/04/01", dt.date(2024, 4, 1)),
        ("2024-4-1", dt.date(2024, 4, 1)),
        ("2024年4月1日", dt.date(2024, 4, 1)),
        ("２０２４／０４／０１", dt.date(2024, 4, 1)),
        ("令和6年4月1日", dt.date(2024, 4, 1)),
        ("令和元年5月1日", dt.date(2019, 5, 1)),
        ("平成31年4月30日", dt.date(2019, 4, 30)),
        ("R6.4.1", dt.date(2024, 4, 1)),
        ("H30/12/1", dt.date(2018, 12, 1)),
        ("昭和64年1月7日", dt.date(1989, 1, 7)),
        ("45383", dt.date(2024, 4, 1)),
        (45383, dt.date(2024, 4, 1)),
        ("20240401", dt.date(2024, 4, 1)),
        ("2024-04-01 00:00:00", dt.date(2024, 4, 1)),
    ],
)
def test_dates_are_read_in_the_forms_japanese_sheets_use(written, expected):
    assert importing.parse_date(written) == expected


@pytest.mark.parametrize("written", ["令和1年4月30日", "平成32年1月1日", "2024/02/30", "来年の春", "R0.1.1", "-5"])
def test_impossible_dates_are_refused(written):
    with pytest.raises(importing.BadValue):
        importing.parse_date(written)


@pytest.mark.parametrize(
    ("written", "expected"),
    [("約1,200件", 1200), ("1200", 1200), ("３万", 30000), ("500名程度", 500), (1200.0, 1200), ("", None), ("-", None)],
)
def test_approximate_counts_are_read_as_numbers(written, expected):
    assert importing.parse_count(written) == expected


# ---------------------------------------------------------------------------------------------- broken files


def test_unknown_and_missing_headers_are_named_and_nothing_is_read(db):
    # given
    headers = [h for h in HEADERS if h not in ("利用目的", "管理部門")] + ["好きな食べ物"]
    data = xlsx_bytes([good_row(1)], headers=headers)
    # when
    preview = importing.validate_file(data, "ledger.xlsx")
    # then
    problems = _problems(preview)
    assert (1, "好きな食べ物", problems[0][2]) in problems and problems[0][2].startswith("unknown column header")
    assert (1, "管理部門", "required column is missing") in problems
    assert (1, "利用目的", "required column is missing") in problems
    assert preview.entries == []


def test_a_sheet_without_any_header_row_is_refused_clearly(db):
    data = xlsx_bytes([{"a": 1}], headers=["a", "b", "c"])
    preview = importing.validate_file(data, "ledger.xlsx")
    assert not preview.ok and "No header row found" in preview.errors[0].message


def test_a_column_that_appears_twice_is_refused(db):
    headers = [*HEADERS, "保存期間"]
    preview = importing.validate_file(xlsx_bytes([good_row(1)], headers=headers), "ledger.xlsx")
    assert (1, "保存期間", "the same column as 「保管期限」 appears twice") in _problems(preview)


def test_bad_cells_are_listed_by_row_and_column_with_what_is_wrong(server_co):
    # given
    rows = [
        good_row(1),
        good_row(2, 最終見直し日="2026/02/30", 次回見直し予定="いつか"),
        good_row(3, 項目="氏名、趣味、血液型"),
        good_row(4, 委託先="存在しない株式会社"),
        good_row(5, 取得方法="なんとなく", 件数="たくさん", 保有個人データ="たぶん"),
        good_row(6, 個人情報の名称="", 最終見直し日="2026/04/01", 次回見直し予定="2025/04/01"),
    ]
    # when
    preview = importing.validate_file(xlsx_bytes(rows), "ledger.xlsx")
    # then
    problems = {(row, column): message for row, column, message in _problems(preview)}
    assert problems[(3, "最終見直し日")] == "there is no such day"
    assert problems[(3, "次回見直し予定")].startswith("not a date")
    assert problems[(4, "項目")] == "unknown data category 「趣味」、「血液型」 (see the category list)"
    assert problems[(5, "委託先")].startswith("unknown contractor 「存在しない株式会社」")
    assert problems[(6, "取得方法")].startswith("unknown value; use one of: 本人から直接書面")
    assert problems[(6, "件数")].startswith("not a number")
    assert problems[(6, "保有個人データ")].startswith("write 該当 or 非該当")
    assert problems[(7, "個人情報の名称")] == "required; this cell is empty"
    assert problems[(7, "次回見直し予定")] == "before the last review date"
    assert not preview.ok


def test_duplicates_inside_the_file_and_against_the_ledger_are_errors(server_entry):
    # given: row 3 repeats row 2's reference, row 4 repeats row 2's name and department,
    # row 5 reuses an existing reference, row 6 an existing name in the same department
    rows = [
        good_row(1),
        good_row(2, 管理番号="A-00001"),
        good_row(3, 個人情報の名称="顧客リスト1"),
        good_row(4, 管理番号="PI-0001"),
        good_row(5, 個人情報の名称="通販会員情報", 管理部門="EC課"),
    ]
    # when
    problems = _problems(importing.validate_file(xlsx_bytes(rows), "ledger.xlsx"))
    # then
    assert (3, "管理番号", "the same reference number is on row 2") in problems
    assert (4, "個人情報の名称", "the same name and department are on row 2") in problems
    assert (5, "管理番号", "an entry with this reference number already exists in the ledger") in problems
    assert (6, "個人情報の名称", "the ledger already has an entry with this name for this department") in problems


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "ledger.xlsx", "The file is empty."),
        (b"PK\x03\x04 this is not really a zip file", "ledger.xlsx", "The Excel workbook cannot be read"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "ledger.xls", "This is an old Excel (.xls) file"),
        (b"<html>hello</html>", "ledger.xlsx", "is not an Excel workbook"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "photo.png", "The file is not a spreadsheet"),
        ("管理番号,個人情報の名称".encode("utf-16"), "ledger.csv", "The file is not a spreadsheet"),
        (b"\x82\xa0\xff\xfe\xfd\x80\x81", "ledger.csv", "neither UTF-8 nor Shift_JIS"),
    ],
)
def test_files_that_are_not_readable_spreadsheets_get_a_clear_message(db, data, name, message):
    preview = importing.validate_file(data, name)
    assert not preview.ok
    assert message in preview.errors[0].message


def test_a_workbook_with_a_damaged_sheet_is_refused_not_crashed(db):
    # given: a real workbook whose sheet XML is cut off
    good = xlsx_bytes([good_row(1)])
    damaged = BytesIO()
    with zipfile.ZipFile(BytesIO(good)) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.endswith("sheet1.xml"):
                content = content[: len(content) // 2]
            target.writestr(item, content)
    # when
    preview = importing.validate_file(damaged.getvalue(), "ledger.xlsx")
    # then
    assert not preview.ok and "cannot be read" in preview.errors[0].message


def test_a_card_number_typed_into_a_cell_is_masked_in_the_error_list(db):
    preview = importing.validate_file(xlsx_bytes([good_row(1, 件数="4111 1111 1111 1111")]), "ledger.xlsx")
    assert preview.errors[0].value == "411111…1111"


# ---------------------------------------------------------------------------------------------- all or nothing


def test_ten_thousand_rows_import_in_one_go(server_co):
    # given
    rows = [good_row(n, 委託先=server_co.name if n % 3 == 0 else "なし") for n in range(1, 10_001)]
    data = xlsx_bytes(rows)
    # when
    started = time.perf_counter()
    preview = importing.validate_file(data, "big.xlsx")
    checked = time.perf_counter()
    count = services.import_entries(SYSTEM, preview.entries, "big.xlsx")
    finished = time.perf_counter()
    # then
    print(f"\n10,000 rows: check {checked - started:.1f} s, save {finished - checked:.1f} s")
    assert count == 10_000
    assert LedgerEntry.objects.count() == 10_000
    assert LedgerEntry.categories.through.objects.count() == 30_000
    assert server_co.ledger_entries.count() == 3333
    assert LedgerEntryRevision.objects.count() == 10_000
    assert finished - started < 120


def test_one_bad_row_near_the_end_of_ten_thousand_leaves_the_ledger_untouched(db):
    # given
    rows = [good_row(n) for n in range(1, 10_001)]
    rows[9_997] = good_row(9_998, 最終見直し日="令和8年13月1日")  # spreadsheet row 9,999
    # when
    preview = importing.validate_file(xlsx_bytes(rows), "big.xlsx")
    # then
    assert _problems(preview) == [(9_999, "最終見直し日", "there is no such day")]
    assert not preview.ok
    assert LedgerEntry.objects.count() == 0


def test_rows_that_clash_with_entries_saved_after_the_preview_abort_the_whole_import(db):
    # given: a preview of 3 good rows, then someone adds an entry with the third row's reference
    preview = importing.validate_file(xlsx_bytes([good_row(1), good_row(2), good_row(3)]), "ledger.xlsx")
    assert preview.ok
    services.create_entry(SYSTEM, {"reference": "A-00003", "name": "別の台帳", "department": "総務部"})
    # when / then
    with pytest.raises(services.DuplicateInDatabase):
        services.import_entries(SYSTEM, preview.entries, "ledger.xlsx")
    assert list(LedgerEntry.objects.values_list("reference", flat=True)) == ["A-00003"]
    assert not AuditEntry.objects.filter(action="import").exists()


def test_a_database_error_midway_rolls_back_everything(db):
    # given: 1,200 checked rows; the 1,100th gets a value the database refuses (a negative count),
    # so the first two insert batches succeed before the third fails
    preview = importing.validate_file(xlsx_bytes([good_row(n) for n in range(1, 1201)]), "ledger.xlsx")
    preview.entries[1099].values["approximate_count"] = -1
    # when
    with pytest.raises(IntegrityError):
        services.import_entries(SYSTEM, preview.entries, "ledger.xlsx")
    # then
    assert LedgerEntry.objects.count() == 0
    assert LedgerEntryRevision.objects.count() == 0
    assert not AuditEntry.objects.filter(action="import").exists()


# ---------------------------------------------------------------------------------------------- round trip


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_an_exported_ledger_imports_again_unchanged(server_entry, logistics_entry, internal_entry, file_format):
    # given
    services.update_entry(
        SYSTEM,
        server_entry,
        {
            "approximate_count": 1200,
            "acquisition_method": "direct_other",
            "notice_basis": "published",
            "medium": "both",
            "third_party_provision": "=SUM(A1) 提携先",
            "foreign_transfer": "米国のクラウド事業者",
            "card_data_retained": True,
            "retained_personal_data": False,
            "notes": "1行目\n2行目",
        },
    )
    entries = list(exporting.prepared(LedgerEntry.objects.all()))
    before = [services.entry_snapshot(e) for e in entries]
    data = exporting.to_xlsx(entries) if file_format == "xlsx" else exporting.to_csv(entries)
    LedgerEntry.objects.all().delete()
    # when
    count = _import(data, f"export.{file_format}")
    # then
    assert count == 3
    after = [services.entry_snapshot(e) for e in exporting.prepared(LedgerEntry.objects.all())]
    strip = lambda snap: {k: v for k, v in snap.items() if k != "id"}  # noqa: E731
    assert [strip(s) for s in after] == [strip(s) for s in before]


def test_the_export_has_the_consultants_headers_in_order(server_entry):
    import openpyxl

    workbook = openpyxl.load_workbook(BytesIO(exporting.to_xlsx([server_entry])))
    sheet = workbook["個人情報管理台帳"]
    assert [c.value for c in sheet[1]] == HEADERS
    assert exporting.to_csv([server_entry]).startswith("\ufeff管理番号,個人情報の名称,管理部門".encode())


# ---------------------------------------------------------------------------------------------- update mode


def test_in_update_mode_a_known_reference_updates_that_entry_and_new_ones_are_added(server_entry, internal_entry):
    # given: the file has no 備考 column, so the entry's notes must stay as they are
    services.update_entry(SYSTEM, server_entry, {"notes": "決済はリンク型"})
    headers = [h for h in HEADERS if h != "備考"]
    rows = [
        good_row(1, 管理番号="PI-0001", 個人情報の名称="通販会員情報", 管理部門="EC課", 利用目的="発送と連絡"),
        good_row(2),
    ]
    # when
    preview = importing.validate_file(xlsx_bytes(rows, headers=headers), "ledger.xlsx", update=True)
    count = services.import_entries(SYSTEM, preview.entries, "ledger.xlsx")
    # then
    assert preview.updates == 1 and count == 2
    server_entry.refresh_from_db()
    assert server_entry.purposes == "発送と連絡" and server_entry.notes == "決済はリンク型"
    assert sorted(c.name for c in server_entry.categories.all()) == sorted(["氏名", "住所", "電話番号"])
    assert server_entry.contractors.count() == 0  # 委託先 says なし
    assert server_entry.revisions.count() == 3
    assert server_entry.revisions.get(number=3).snapshot == services.entry_snapshot(server_entry)
    assert LedgerEntry.objects.filter(reference="A-00002").exists()
    imported = AuditEntry.objects.get(action="import")
    assert imported.changes["created"] == ["A-00002"]
    assert set(imported.changes["updated"]) == {"PI-0001"}
    assert {"categories", "contractors", "purposes"} <= set(imported.changes["updated"]["PI-0001"])
    assert "notes" not in imported.changes["updated"]["PI-0001"]
    internal_entry.refresh_from_db()
    assert internal_entry.revisions.count() == 1


def test_in_update_mode_a_row_may_not_take_the_name_of_another_entry(server_entry, internal_entry):
    rows = [good_row(1, 管理番号="PI-0001", 個人情報の名称="従業員名簿", 管理部門="総務部")]
    preview = importing.validate_file(xlsx_bytes(rows), "ledger.xlsx", update=True)
    assert (2, "個人情報の名称", "the ledger already has an entry with this name for this department") in _problems(
        preview
    )


def test_an_update_of_an_entry_deleted_after_the_preview_aborts_the_import(server_entry):
    # given
    rows = [good_row(1, 管理番号="PI-0001", 個人情報の名称="通販会員情報", 管理部門="EC課"), good_row(2)]
    preview = importing.validate_file(xlsx_bytes(rows), "ledger.xlsx", update=True)
    server_entry.delete()
    # when / then
    with pytest.raises(services.DuplicateInDatabase):
        services.import_entries(SYSTEM, preview.entries, "ledger.xlsx")
    assert not LedgerEntry.objects.exists()


def test_re_importing_an_unchanged_export_in_update_mode_writes_no_revisions(server_entry, logistics_entry):
    # given
    data = exporting.to_xlsx(list(exporting.prepared(LedgerEntry.objects.all())))
    # when
    preview = importing.validate_file(data, "same.xlsx", update=True)
    services.import_entries(SYSTEM, preview.entries, "same.xlsx")
    # then
    assert preview.updates == 2
    assert LedgerEntryRevision.objects.count() == 2
    assert AuditEntry.objects.get(action="import").changes["updated"] == {}
