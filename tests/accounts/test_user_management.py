"""The protection manager manages users; rules about roles hold whichever way a user is created."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from mamori.accounts import services
from mamori.accounts.models import User
from mamori.accounts.policy import SYSTEM
from mamori.audit.models import AuditEntry

GOOD_PASSWORD = "a-long-enough-passphrase-77"


@pytest.mark.django_db
def test_manager_creates_a_contractor_user_in_the_browser(manager, server_co, client_for):
    # when
    response = client_for(manager).post(
        "/accounts/users/new/",
        {
            "username": "carol",
            "role": "contractor",
            "contractor": server_co.pk,
            "is_active": "on",
            "password": GOOD_PASSWORD,
        },
    )
    # then
    assert response.status_code == 302
    carol = User.objects.get(username="carol")
    assert carol.contractor == server_co
    entry = AuditEntry.objects.get(action="create", object_type="accounts.user", object_id=str(carol.pk))
    assert entry.actor_username == "manager"
    assert entry.changes["password"][1] == "(redacted)"


@pytest.mark.django_db
def test_contractor_user_without_a_contractor_gets_an_error_next_to_the_field(manager, client_for):
    # when
    response = client_for(manager).post(
        "/accounts/users/new/", {"username": "dave", "role": "contractor", "password": GOOD_PASSWORD}
    )
    # then
    assert response.status_code == 400
    assert "contractor" in response.context["form"].errors
    assert not User.objects.filter(username="dave").exists()


@pytest.mark.django_db
def test_weak_password_is_refused_with_a_reason(manager, client_for):
    response = client_for(manager).post(
        "/accounts/users/new/", {"username": "erin", "role": "staff", "password": "12345678"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors
    assert not User.objects.filter(username="erin").exists()


@pytest.mark.django_db
def test_investigator_needs_an_end_date():
    with pytest.raises(ValidationError) as error:
        services.create_user(SYSTEM, {"username": "ivan", "role": "investigator"}, GOOD_PASSWORD)
    assert "access_expires_at" in error.value.message_dict


@pytest.mark.django_db
def test_staff_cannot_create_users_through_the_service(staff):
    with pytest.raises(PermissionDenied):
        services.create_user(staff, {"username": "x", "role": "staff"}, GOOD_PASSWORD)


@pytest.mark.django_db
def test_manager_unlocks_a_locked_account(manager, staff, client_for):
    # given
    User.objects.filter(pk=staff.pk).update(locked_until=timezone.now() + dt.timedelta(minutes=10))
    # when
    response = client_for(manager).post(f"/accounts/users/{staff.pk}/unlock/")
    # then
    assert response.status_code == 302
    staff.refresh_from_db()
    assert not staff.is_locked()
    assert AuditEntry.objects.filter(action="unlock", object_id=str(staff.pk)).exists()


@pytest.mark.django_db
def test_user_edit_records_before_and_after(manager, staff, client_for):
    # when
    client_for(manager).post(
        f"/accounts/users/{staff.pk}/edit/", {"username": "staff", "role": "audit_manager", "is_active": "on"}
    )
    # then
    entry = AuditEntry.objects.get(action="update", object_id=str(staff.pk))
    assert entry.changes["role"] == ["staff", "audit_manager"]
