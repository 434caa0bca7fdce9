"""The joint incident manual (会社間の事故対応マニュアル): made from the playbooks and the contract's clauses, in
Japanese, as DOCX and PDF; every version kept with its hashes; acknowledged by the contractor's own users in their
portal, again every year, with reminders."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import docx
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from pypdf import PdfReader

from mamori.accounts.policy import SYSTEM
from mamori.audit.models import AuditEntry
from mamori.contractors import manual, services
from mamori.contractors.models import ManualAcknowledgement, ManualVersion
from mamori.incidents.models import ReminderSent
from mamori.jobs.models import Job


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.django_db
def test_the_manual_says_who_calls_whom_within_the_contract_hours_and_that_nothing_is_deleted(
    manager, server_co, card_entry, full_contract
):
    # given: the contract names 24 hours and every clause
    # when
    version = manual.generate(manager, server_co)
    # then: both files open and carry the rules in Japanese, with the contract's clause numbers
    for text in (docx_text(bytes(version.docx)), pdf_text(bytes(version.pdf))):
        squeezed = text.replace("\n", "").replace(" ", "")
        assert "会社間の事故対応マニュアル" in squeezed
        assert "24時間以内" in squeezed
        assert "書面による同意なく" in squeezed
        assert "SHA-256" in squeezed
        assert "個人情報保護管理者" in squeezed
        assert "サーバーイメージ・ログの保全" in squeezed  # a step of the card-breach playbook
        assert "カード決済記録" in squeezed  # the ledger entry it handles
    assert "契約 第" in docx_text(bytes(version.docx))


@pytest.mark.django_db
def test_a_contract_without_the_clauses_still_gets_the_rules_and_says_the_contract_lacks_them(
    manager, server_co, card_entry, bare_contract
):
    # when
    text = docx_text(bytes(manual.generate(manager, server_co).docx))
    # then: the recommended 24 hours apply, and the gap is named
    assert "24時間以内" in text and "推奨値" in text
    assert "契約に定めなし" in text


@pytest.mark.django_db
def test_each_generation_is_a_version_with_the_hashes_of_its_files(manager, server_co, bare_contract, make_contract):
    # given
    first = manual.generate(manager, server_co)
    services.update_contract(manager, bare_contract, {"notice_hours": 12})
    # when
    second = manual.generate(manager, server_co)
    # then
    assert (first.version, second.version) == (1, 2)
    assert second.docx_sha256 == hashlib.sha256(bytes(second.docx)).hexdigest()
    assert second.pdf_sha256 == hashlib.sha256(bytes(second.pdf)).hexdigest()
    assert ManualVersion.objects.filter(contractor=server_co).count() == 2
    entry = AuditEntry.objects.filter(action="contractor_manual_generated").latest("seq")
    assert second.pdf_sha256 in entry.message


@pytest.mark.django_db
def test_an_unchanged_manual_is_not_made_again(manager, server_co, bare_contract):
    manual.generate(manager, server_co)
    with pytest.raises(ValidationError, match="Nothing changed since version 1"):
        manual.generate(manager, server_co)


@pytest.mark.django_db
def test_a_version_is_never_deleted(manager, server_co):
    from mamori.accounts import policy

    manual.generate(manager, server_co)
    assert not policy.can(manager, policy.Action.DELETE, services.MANUAL)


@pytest.mark.django_db
def test_a_download_gives_the_stored_bytes_and_is_audited(client_for, alice_contractor, server_co):
    # given
    version = manual.generate(SYSTEM, server_co)
    # when
    response = client_for(alice_contractor).get(f"/contractors/manuals/{version.pk}.pdf")
    # then
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == version.pdf_sha256
    assert response["Content-Type"] == "application/pdf"
    entry = AuditEntry.objects.filter(action="contractor_manual_downloaded").latest("seq")
    assert entry.actor_username == "alice" and entry.message.endswith(".pdf")


@pytest.mark.django_db
def test_bob_cannot_see_or_acknowledge_alices_contractors_manual(client_for, bob_logistics, server_co):
    # given
    version = manual.generate(SYSTEM, server_co)
    bob = client_for(bob_logistics)
    # when
    download = bob.get(f"/contractors/manuals/{version.pk}.docx")
    acknowledge = bob.post(f"/contractors/portal/manual/{version.pk}/acknowledge/")
    portal = bob.get("/contractors/portal/manual/").content.decode()
    # then
    assert download.status_code == 404 and acknowledge.status_code == 404
    assert version.pdf_sha256 not in portal
    assert not ManualAcknowledgement.objects.exists()


@pytest.mark.django_db
def test_alice_acknowledges_her_contractors_manual_in_the_portal(client_for, alice_contractor, server_co):
    # given
    version = manual.generate(SYSTEM, server_co)
    alice = client_for(alice_contractor)
    # when
    page = alice.get("/contractors/portal/manual/").content.decode()
    response = alice.post(f"/contractors/portal/manual/{version.pk}/acknowledge/")
    # then
    assert version.pdf_sha256 in page
    assert response.status_code == 302
    ack = ManualAcknowledgement.objects.get()
    assert (ack.version, ack.acknowledged_by, ack.contractor) == (version, alice_contractor, server_co)
    assert AuditEntry.objects.filter(action="contractor_manual_acknowledged", actor_username="alice").exists()
    assert manual.acknowledgement_due(server_co) == manual._plus_year(timezone.localdate())


@pytest.mark.django_db
def test_the_manager_cannot_acknowledge_for_the_contractor(client_for, manager, server_co):
    version = manual.generate(SYSTEM, server_co)
    assert client_for(manager).post(f"/contractors/portal/manual/{version.pk}/acknowledge/").status_code == 404
    with pytest.raises(Exception, match="contractor's own users"):
        manual.acknowledge(manager, version)


@pytest.mark.django_db
def test_only_the_current_version_is_acknowledged(alice_contractor, server_co, bare_contract):
    # given
    old = manual.generate(SYSTEM, server_co)
    services.update_contract(SYSTEM, bare_contract, {"notice_hours": 6})
    manual.generate(SYSTEM, server_co)
    # when / then
    with pytest.raises(ValidationError, match="newer version"):
        manual.acknowledge(alice_contractor, old)


@pytest.mark.django_db
def test_a_fresh_acknowledgement_is_not_repeated(alice_contractor, server_co):
    version = manual.generate(SYSTEM, server_co)
    manual.acknowledge(alice_contractor, version)
    with pytest.raises(ValidationError, match="Already acknowledged"):
        manual.acknowledge(alice_contractor, version)


@pytest.mark.django_db
def test_acknowledgement_due_dates(alice_contractor, server_co):
    # given: no manual, then a new version, then an acknowledgement
    assert manual.acknowledgement_due(server_co) is None
    version = manual.generate(SYSTEM, server_co)
    made = timezone.localdate(version.generated_at)
    assert manual.acknowledgement_due(server_co) == made + dt.timedelta(days=14)
    ManualAcknowledgement.objects.create(
        version=version,
        contractor=server_co,
        acknowledged_by=alice_contractor,
        acknowledged_at=dt.datetime(2024, 2, 29, 12, tzinfo=dt.UTC),
    )
    # then: a year later (29 February → 28 February)
    assert manual.acknowledgement_due(server_co) == dt.date(2025, 2, 28)


@pytest.mark.django_db
def test_an_unacknowledged_manual_past_its_due_date_is_a_warning_the_day_after(server_co):
    version = manual.generate(SYSTEM, server_co)
    due = timezone.localdate(version.generated_at) + dt.timedelta(days=14)
    assert [w.kind for w in services.contractor_warnings(server_co, due)] == []
    later = services.contractor_warnings(server_co, due + dt.timedelta(days=1))
    assert [w.kind for w in later] == ["manual_acknowledgement_overdue"]


def test_reminder_stages():
    assert manual.reminder_stage(31) is None
    assert manual.reminder_stage(30) == "before-30"
    assert manual.reminder_stage(8) == "before-30"
    assert manual.reminder_stage(7) == "before-7"
    assert manual.reminder_stage(1) == "before-1"
    assert manual.reminder_stage(0) == "due"
    assert manual.reminder_stage(-1) == "overdue"


@pytest.mark.django_db
def test_the_yearly_reminder_is_mailed_once_per_stage(alice_contractor, manager, server_co):
    # given: acknowledged on 2025-12-10, so due again on 2026-12-10
    for user, address in ((alice_contractor, "alice@naniwa.example.jp"), (manager, "manager@example.jp")):
        user.email = address
        user.save(update_fields=["email"])
    version = manual.generate(SYSTEM, server_co)
    ManualAcknowledgement.objects.create(
        version=version,
        contractor=server_co,
        acknowledged_by=alice_contractor,
        acknowledged_at=dt.datetime(2025, 12, 10, 3, tzinfo=dt.UTC),
    )
    # when: two runs seven days before, then a run the day after
    first = manual.send_acknowledgement_reminders(dt.date(2026, 12, 3))
    again = manual.send_acknowledgement_reminders(dt.date(2026, 12, 3))
    overdue = manual.send_acknowledgement_reminders(dt.date(2026, 12, 11))
    # then
    assert (first, again, overdue) == (1, 0, 1)
    keys = sorted(ReminderSent.objects.filter(key__startswith="contractor:").values_list("key", flat=True))
    assert keys == [
        f"contractor:{server_co.pk}:manual-ack:v1:2026-12-10:before-7",
        f"contractor:{server_co.pk}:manual-ack:v1:2026-12-10:overdue",
    ]
    mails = [job.args for job in Job.objects.filter(name="mail.send").order_by("created_at")]
    assert mails[0]["recipients"] == [alice_contractor.email]
    assert set(mails[1]["recipients"]) == {alice_contractor.email, manager.email}


@pytest.mark.django_db
def test_the_reminder_job_runs_the_manual_reminders(server_co):
    from mamori.incidents.reminders import remind

    class Ctx:
        pass

    assert "manual_reminders" in remind(Ctx())


@pytest.mark.django_db
def test_the_manager_makes_a_version_from_the_contractor_page(client_for, manager, server_co):
    # when
    response = client_for(manager).post(f"/contractors/{server_co.pk}/manual/generate/")
    page = client_for(manager).get(f"/contractors/{server_co.pk}/").content.decode()
    # then
    assert response.status_code == 302
    version = ManualVersion.objects.get()
    assert version.pdf_sha256 in page and version.docx_sha256 in page


@pytest.mark.django_db
def test_the_card_section_is_only_in_the_manual_of_a_contractor_that_handles_card_data(
    logistics_co, delivery_entry, server_co, card_entry
):
    # when
    delivery = manual.build(logistics_co)
    server = manual.build(server_co)
    # then
    assert "カード情報の非保持" not in [s.heading for s in delivery.sections]
    assert "カード情報の非保持" in [s.heading for s in server.sections]
    assert [s.number for s in delivery.sections] == list(range(1, len(delivery.sections) + 1))
