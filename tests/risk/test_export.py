"""The XLSX export is the standard risk sheet: it opens with openpyxl, has the expected headers and one row
per risk, and is an audited export that only roles with the export right may take."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from mamori.audit.models import AuditEntry
from mamori.risk import exporting, services
from mamori.risk.models import SafetyMeasure

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_risks(make_risk, manager):
    first = make_risk(
        likelihood=3,
        impact=2,
        residual_likelihood=1,
        residual_impact=2,
        existing_measures=SafetyMeasure.objects.filter(code__in=["10-6-1", "10-6-2"]),
        related_rules="情報セキュリティ規程 第5条",
        treatment="reduce",
        treatment_plan='=HYPERLINK("http://example.invalid")',
        owner=manager,
        due_date=dt.date(2027, 3, 31),
    )
    services.accept_risk(manager, first)
    make_risk(stage="acquire", threat="misdelivery", likelihood=1, impact=1, measures_note="=1+1")


def _open(content: bytes):
    return load_workbook(io.BytesIO(content))


def test_export_has_the_standard_headers_and_a_row_per_risk(two_risks, client_for, auditor):
    # when
    response = client_for(auditor).get("/risk/export.xlsx")
    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = _open(response.content)["リスク分析表"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == exporting.HEADERS
    assert len(rows) == 3
    by_stage = {row[2]: row for row in rows[1:]}
    store = by_stage["保管・バックアップ"]
    assert store[1] == "顧客名簿" and store[3].startswith("漏えい")
    assert (store[4], store[5], store[6]) == (3, 2, 6)
    assert "10-6-1" in store[7] and "関連規程: 情報セキュリティ規程 第5条" in store[7]
    assert store[8] == "1×2=2（低）"
    assert store[9].startswith("低減")
    assert store[10] == "manager"
    assert store[11].date() == dt.date(2027, 3, 31)
    assert store[12].startswith("受容済")
    assert by_stage["取得・入力"][3] == "誤送信・誤送付"


def test_text_that_looks_like_a_formula_stays_text(two_risks, client_for, manager):
    response = client_for(manager).get("/risk/export.xlsx")
    sheet = _open(response.content)["リスク分析表"]
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    assert any("HYPERLINK" in str(cell.value) for cell in cells)


def test_export_is_audited_with_the_row_count(two_risks, client_for, president):
    client_for(president).get("/risk/export.xlsx")
    entry = AuditEntry.objects.get(action="export", object_type="risk")
    assert entry.actor_username == "president" and "(2 records)" in entry.message


def test_export_follows_the_list_filters(two_risks, client_for, manager):
    response = client_for(manager).get("/risk/export.xlsx", {"stage": "acquire"})
    rows = list(_open(response.content)["リスク分析表"].iter_rows(values_only=True))
    assert len(rows) == 2


@pytest.mark.parametrize(("role", "status"), [("staff", 403), ("alice_contractor", 403), ("investigator", 403)])
def test_roles_without_the_export_right_are_refused(request, two_risks, client_for, role, status):
    response = client_for(request.getfixturevalue(role)).get("/risk/export.xlsx")
    assert response.status_code == status
    assert not AuditEntry.objects.filter(action="export").exists()


def test_rows_follow_the_lifecycle_order_of_the_sheet(client_for, manager, customers):
    # given rows created in the reverse order
    from mamori.risk.models import Stage

    for stage in reversed(Stage.values):
        services.create_risk(manager, {"ledger_entry": customers, "stage": stage, "threat": "leak"})
    # when
    response = client_for(manager).get("/risk/export.xlsx")
    # then
    stages = [row[2] for row in _open(response.content)["リスク分析表"].iter_rows(min_row=2, values_only=True)]
    assert stages == ["取得・入力", "移送・送信", "利用・加工", "保管・バックアップ", "消去・廃棄"]
