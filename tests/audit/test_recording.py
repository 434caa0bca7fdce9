"""What is recorded and when: changes with before/after values, sign-ins and sign-outs, and nothing that
was rolled back. Entries cannot be changed or removed through the application."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client

from mamori.accounts.policy import SYSTEM
from mamori.audit import services
from mamori.audit.models import AppendOnlyError, AuditEntry, ChainHead
from mamori.contractors.models import Contractor
from mamori.core import actions
from tests.conftest import PASSWORD


class Boom(Exception):
    pass


@pytest.mark.django_db
def test_create_update_and_delete_record_who_what_and_values_before_and_after(manager):
    # given
    contractor = actions.create_record(manager, "contractor", Contractor, {"name": "大阪印刷"})
    pk = contractor.pk
    # when
    actions.update_record(manager, "contractor", contractor, {"name": "大阪印刷株式会社"})
    actions.delete_record(manager, "contractor", contractor)
    # then
    create, update, delete = AuditEntry.objects.filter(object_id=str(pk)).order_by("seq")
    assert (create.action, update.action, delete.action) == ("create", "update", "delete")
    assert {e.actor_username for e in (create, update, delete)} == {"manager"}
    assert create.changes["name"] == [None, "大阪印刷"]
    assert update.changes["name"] == ["大阪印刷", "大阪印刷株式会社"]
    assert set(update.changes) <= {"name", "updated_at"}  # only what changed
    assert delete.changes["name"] == ["大阪印刷株式会社", None]
    assert delete.object_repr and delete.object_type == "contractors.contractor"


@pytest.mark.django_db(transaction=True)
def test_a_change_and_its_entry_roll_back_together(manager):
    # given
    head_before = ChainHead.objects.filter(pk=1).first()
    # when the transaction fails after the entry was written
    with pytest.raises(Boom), transaction.atomic():
        contractor = Contractor.objects.create(name="消える委託先")
        services.record_create(manager, contractor)
        raise Boom
    # then neither the record nor its entry exists, and the head did not move
    assert not Contractor.objects.filter(name="消える委託先").exists()
    assert not AuditEntry.objects.filter(object_type="contractors.contractor").exists()
    assert ChainHead.objects.filter(pk=1).first() == head_before


@pytest.mark.django_db(transaction=True)
def test_a_change_and_its_entry_commit_together(manager):
    with transaction.atomic():
        contractor = Contractor.objects.create(name="残る委託先")
        services.record_create(manager, contractor)
    assert AuditEntry.objects.filter(object_id=str(contractor.pk), action="create").count() == 1


@pytest.mark.django_db
def test_sign_in_records_who_and_from_where(staff):
    # when
    response = Client(REMOTE_ADDR="192.0.2.10", HTTP_USER_AGENT="TestBrowser/1.0").post(
        "/accounts/login/", {"username": "staff", "password": PASSWORD}
    )
    # then
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="login")
    assert (entry.actor_username, entry.actor_id, entry.via) == ("staff", staff.pk, "web")
    assert (entry.ip_address, entry.user_agent) == ("192.0.2.10", "TestBrowser/1.0")


@pytest.mark.django_db
def test_failed_sign_ins_for_a_wrong_password_and_an_unknown_name_are_recorded(staff):
    # when
    Client().post("/accounts/login/", {"username": "staff", "password": "wrong-password-123"})
    Client().post("/accounts/login/", {"username": "nobody", "password": "wrong-password-123"})
    # then
    wrong, unknown = AuditEntry.objects.filter(action="login_failed").order_by("seq")
    assert (wrong.actor_username, wrong.actor_id) == ("staff", staff.pk) and "wrong password" in wrong.message
    assert (unknown.actor_username, unknown.actor_id) == ("nobody", None) and unknown.message == "unknown user name"


@pytest.mark.django_db
def test_sign_out_is_recorded(staff):
    # given
    client = Client()
    client.post("/accounts/login/", {"username": "staff", "password": PASSWORD})
    # when
    response = client.post("/accounts/logout/")
    # then
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="logout", actor_username="staff").count() == 1


@pytest.mark.django_db
def test_each_entry_links_to_the_previous_one_and_the_head_follows(db):
    first = services.record(SYSTEM, "note")
    second = services.record(SYSTEM, "note")
    head = ChainHead.objects.get(pk=1)
    assert (first.seq, second.seq) == (1, 2) and second.prev_hash == first.hash
    assert (head.seq, head.hash) == (2, second.hash)


@pytest.mark.django_db
def test_secret_fields_are_recorded_as_changed_without_their_values(manager, staff):
    before = services.snapshot(staff)
    staff.set_password("another-long-password-99")
    staff.save()
    entry = services.record_update(manager, staff, before)
    assert entry is not None and entry.changes["password"] == ["(redacted)", "(redacted)"]
    assert type(entry.changes["password"][0]) is str  # the secret itself never reaches the trail
    assert AuditEntry.objects.get(pk=entry.pk).changes["password"] == ["(redacted)", "(redacted)"]


@pytest.mark.django_db
class TestAppendOnly:
    def test_saving_an_existing_entry_is_refused(self):
        entry = services.record(SYSTEM, "note", message="original")
        entry.message = "changed"
        with pytest.raises(AppendOnlyError):
            entry.save()
        with pytest.raises(AppendOnlyError):
            entry.save(update_fields=["message"])
        assert AuditEntry.objects.get(pk=entry.pk).message == "original"

    def test_deleting_an_entry_is_refused(self):
        entry = services.record(SYSTEM, "note")
        with pytest.raises(AppendOnlyError):
            entry.delete()
        assert AuditEntry.objects.filter(pk=entry.pk).exists()

    def test_queryset_updates_and_deletes_are_refused(self):
        services.record(SYSTEM, "note")
        with pytest.raises(AppendOnlyError):
            AuditEntry.objects.all().update(message="changed")
        with pytest.raises(AppendOnlyError):
            AuditEntry.objects.filter(action="note").delete()
        with pytest.raises(AppendOnlyError):
            AuditEntry._base_manager.all().delete()
        assert AuditEntry.objects.get().message == ""
