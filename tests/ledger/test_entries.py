"""Ledger entries: every change leaves a numbered revision and an audit entry; reviews are at least yearly."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from mamori.accounts.policy import SYSTEM
from mamori.audit.models import AuditEntry
from mamori.ledger import services
from mamori.ledger.demo import load_demo_ledger
from mamori.ledger.models import DataCategory, LedgerEntry
from tests.ledger.conftest import categories, csv_bytes, good_row, xlsx_bytes

pytestmark = pytest.mark.django_db


def _form(**overrides):
    data = {
        "reference": "",
        "name": "メルマガ会員",
        "department": "EC課",
        "manager": "EC課長",
        "categories": [c.pk for c in categories("氏名", "メールアドレス")],
        "purposes": "メールマガジンの配信",
        "acquisition_method": "direct_written",
        "notice_basis": "consent",
        "medium": "electronic",
        "retained_personal_data": "on",
        "last_reviewed": "2026-04-01",
        "next_review_due": "",
    }
    data.update(overrides)
    return data


# ---------------------------------------------------------------------------------------------- the catalogue


def test_the_catalogue_marks_special_care_card_data_and_my_number_with_scanner_types(db):
    by_name = {c.name: c for c in DataCategory.objects.all()}
    assert by_name["病歴"].special_care and by_name["犯罪歴"].special_care
    assert (
        by_name["クレジットカード番号"].card_data
        and by_name["クレジットカード番号"].scanner_type == "credit_card_number"
    )
    assert (
        by_name["セキュリティコード"].never_store and by_name["セキュリティコード"].scanner_type == "card_security_code"
    )
    assert by_name["個人番号"].my_number and by_name["個人番号"].scanner_type == "my_number"
    scanner_types = set(DataCategory.objects.exclude(scanner_type="").values_list("scanner_type", flat=True))
    assert {"phone_number", "email_address", "postal_code", "address", "person_name", "bank_account"} <= scanner_types
    assert {"drivers_license", "passport_number", "card_expiry"} <= scanner_types


def test_loading_the_catalogue_again_changes_nothing(db):
    before = DataCategory.objects.count()
    assert services.load_catalogue() == 0
    assert DataCategory.objects.count() == before


# ---------------------------------------------------------------------------------------------- history


def test_creating_an_entry_in_the_ui_numbers_it_and_writes_revision_one(manager, client_for):
    # when
    response = client_for(manager).post("/ledger/new/", _form())
    # then
    entry = LedgerEntry.objects.get(name="メルマガ会員")
    assert response.status_code == 302 and response.url == f"/ledger/{entry.pk}/"
    assert entry.reference == "PI-0001"
    assert entry.next_review_due == dt.date(2027, 4, 1)
    assert [r.number for r in entry.revisions.all()] == [1]
    assert entry.revisions.get().snapshot["categories"] == ["氏名", "メールアドレス"]
    audit = AuditEntry.objects.get(action="create", object_type="ledger.ledgerentry")
    assert audit.actor_username == "manager" and audit.object_id == str(entry.pk)


def test_an_edit_writes_the_next_revision_and_the_history_page_shows_what_changed(
    manager, client_for, server_entry, logistics_co
):
    # given
    client = client_for(manager)
    form = _form(
        reference=server_entry.reference,
        name=server_entry.name,
        department=server_entry.department,
        purposes="商品の発送とアフターサービス",
        categories=[c.pk for c in categories("氏名", "住所", "メールアドレス", "電話番号")],
        contractors=[logistics_co.pk],
    )
    # when
    response = client.post(f"/ledger/{server_entry.pk}/edit/", form)
    history = client.get(f"/ledger/{server_entry.pk}/history/").content.decode()
    # then
    assert response.status_code == 302
    assert [r.number for r in server_entry.revisions.order_by("number")] == [1, 2]
    latest = server_entry.revisions.get(number=2)
    assert latest.changed_by == manager and "purposes of use" in latest.summary
    assert "商品の発送とアフターサービス" in history and "電話番号" in history and "関西ロジスティクス" in history
    assert AuditEntry.objects.filter(action="update", object_id=str(server_entry.pk)).count() == 1


def test_saving_without_changes_writes_no_revision(server_entry):
    services.update_entry(SYSTEM, server_entry, {"name": server_entry.name})
    assert server_entry.revisions.count() == 1


def test_a_rejected_edit_changes_nothing(manager, client_for, server_entry, internal_entry):
    # when: the new name and department clash with another entry
    response = client_for(manager).post(
        f"/ledger/{server_entry.pk}/edit/",
        _form(reference=server_entry.reference, name=internal_entry.name, department=internal_entry.department),
    )
    # then
    assert response.status_code == 400
    assert "already has an entry with this name" in response.content.decode()
    server_entry.refresh_from_db()
    assert server_entry.name == "通販会員情報" and server_entry.revisions.count() == 1


def test_a_duplicate_reference_number_is_refused(server_entry):
    with pytest.raises(ValidationError):
        services.create_entry(SYSTEM, {"reference": "PI-0001", "name": "別", "department": "別"})


# ---------------------------------------------------------------------------------------------- reviews


def test_marking_an_entry_reviewed_sets_today_and_a_year_ahead(manager, client_for, server_entry):
    # when
    response = client_for(manager).post(f"/ledger/{server_entry.pk}/review/", {"note": "項目に変更なし"})
    # then
    server_entry.refresh_from_db()
    today = timezone.localdate()
    assert response.status_code == 302
    assert server_entry.last_reviewed == today
    assert server_entry.next_review_due == today.replace(year=today.year + 1)
    assert "項目に変更なし" in server_entry.revisions.get(number=2).summary


def test_the_overdue_filter_lists_entries_past_their_review_or_never_reviewed(
    manager, client_for, server_entry, logistics_entry
):
    # given: one entry reviewed long ago, one never reviewed, one reviewed today
    services.update_entry(SYSTEM, server_entry, {"last_reviewed": dt.date(2020, 1, 1), "next_review_due": None})
    services.mark_reviewed(SYSTEM, logistics_entry)
    fresh = services.create_entry(SYSTEM, {"name": "未見直し", "department": "総務部"})
    # when
    page = client_for(manager).get("/ledger/", {"overdue": "1"}).content.decode()
    # then
    assert server_entry.name in page and fresh.name in page and logistics_entry.name not in page


def test_a_staff_member_may_read_but_not_review(staff, server_entry):
    with pytest.raises(PermissionDenied):
        services.mark_reviewed(staff, server_entry)


# ---------------------------------------------------------------------------------------------- delete, export


def test_deleting_an_entry_leaves_its_last_state_in_the_audit_trail(manager, client_for, server_entry):
    response = client_for(manager).post(f"/ledger/{server_entry.pk}/delete/")
    assert response.status_code == 302 and not LedgerEntry.objects.exists()
    audit = AuditEntry.objects.get(action="delete")
    assert audit.changes["name"] == ["通販会員情報", None]


def test_an_export_is_audited_and_holds_only_the_filtered_entries(auditor, client_for, server_entry, internal_entry):
    # when
    response = client_for(auditor).get("/ledger/export.xlsx", {"department": "EC課"})
    # then
    sheet = openpyxl.load_workbook(BytesIO(response.content)).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["通販会員情報"]
    audit = AuditEntry.objects.get(action="export")
    assert audit.actor_username == "auditor" and "xlsx (1 entries)" in audit.message


def test_entry_warnings_flag_card_data_special_care_and_my_number(db):
    entry = services.create_entry(
        SYSTEM,
        {
            "name": "危ない台帳",
            "department": "総務部",
            "categories": categories("セキュリティコード", "クレジットカード番号", "病歴", "個人番号"),
            "notice_basis": "notice",
        },
    )
    text = " ".join(services.warnings(entry))
    assert "never be stored" in text and "not retained" in text and "prior consent" in text and "My Number" in text


# ---------------------------------------------------------------------------------------------- import pages


def test_upload_preview_confirm_imports_everything(manager, client_for):
    # given
    client = client_for(manager)
    upload = BytesIO(xlsx_bytes([good_row(1), good_row(2)]))
    upload.name = "台帳.xlsx"
    # when
    preview = client.post("/ledger/import/", {"file": upload})
    token = preview.context["confirm"]["token"].value()
    assert LedgerEntry.objects.count() == 0  # nothing is saved by the preview
    done = client.post("/ledger/import/", {"token": token})
    # then
    assert preview.status_code == 200 and "顧客リスト1" in preview.content.decode()
    assert done.status_code == 302
    assert LedgerEntry.objects.count() == 2
    assert client.post("/ledger/import/", {"token": token}).status_code == 400  # the upload is used up


def test_a_broken_upload_shows_every_problem_and_imports_nothing(manager, client_for):
    # given
    upload = BytesIO(csv_bytes([good_row(1), good_row(2, 項目="氏名、趣味", 最終見直し日="令和6年2月30日")]))
    upload.name = "台帳.csv"
    # when
    response = client_for(manager).post("/ledger/import/", {"file": upload})
    # then
    page = response.content.decode()
    assert response.status_code == 400
    assert "趣味" in page and "最終見直し日" in page and "there is no such day" in page
    assert response.context["confirm"] is None
    assert LedgerEntry.objects.count() == 0


@pytest.mark.parametrize("content", [b"\x00\x01\x02 binary junk", b"PK\x03\x04broken", b""])
def test_a_file_that_is_no_spreadsheet_is_a_clear_400_not_a_crash(manager, client_for, content):
    upload = BytesIO(content)
    upload.name = "ledger.xlsx"
    response = client_for(manager).post("/ledger/import/", {"file": upload})
    assert response.status_code == 400


def test_the_confirm_step_refuses_another_users_upload_and_forged_tokens(manager, client_for):
    # given: a preview made by one manager
    upload = BytesIO(xlsx_bytes([good_row(1)]))
    upload.name = "ledger.xlsx"
    token = client_for(manager).post("/ledger/import/", {"file": upload}).context["confirm"]["token"].value()
    other = type(manager).objects.create(username="manager2", role=manager.role)
    # when
    stolen = client_for(other).post("/ledger/import/", {"token": token})
    forged = client_for(manager).post("/ledger/import/", {"token": "../../etc/passwd"})
    # then
    assert stolen.status_code == 400 and forged.status_code == 400
    assert LedgerEntry.objects.count() == 0


def test_the_upload_waits_in_the_data_directory_not_in_the_browser(manager, client_for, settings):
    upload = BytesIO(xlsx_bytes([good_row(1)]))
    upload.name = "ledger.xlsx"
    response = client_for(manager).post("/ledger/import/", {"file": upload})
    assert response.status_code == 200
    assert len(list((settings.DATA_DIR / "ledger-imports").glob("*.upload"))) == 1


# ---------------------------------------------------------------------------------------------- demo


def test_the_demo_ledger_declares_card_data_not_retained_and_loads_idempotently(server_co, logistics_co):
    # when
    first = load_demo_ledger([server_co, logistics_co])
    again = load_demo_ledger([server_co, logistics_co])
    # then
    assert [e.pk for e in first] == [e.pk for e in again] and len(first) == 10
    payments = LedgerEntry.objects.get(name="クレジットカード決済記録")
    assert payments.card_data_retained is False and "非保持" in payments.notes
    assert list(payments.contractors.all()) == [server_co]
    assert (
        LedgerEntry.objects.get(name__startswith="古物買取台帳").categories.filter(name="本人確認書類の写し").exists()
    )
    assert LedgerEntry.objects.filter(reference="PI-0007").get().review_overdue()


def test_the_update_choice_travels_in_the_signed_token_to_the_confirm_step(manager, client_for, server_entry):
    # given
    client = client_for(manager)
    upload = BytesIO(xlsx_bytes([good_row(1, 管理番号="PI-0001", 個人情報の名称="通販会員情報", 管理部門="EC課")]))
    upload.name = "ledger.xlsx"
    # when
    preview = client.post("/ledger/import/", {"file": upload, "update": "on"})
    done = client.post("/ledger/import/", {"token": preview.context["confirm"]["token"].value()})
    # then
    assert done.status_code == 302
    server_entry.refresh_from_db()
    assert server_entry.purposes == "商品の発送" and LedgerEntry.objects.count() == 1
