"""`mamori demo` loads the invented hobby retailer of the case story, and can be run again safely."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from mamori.accounts.models import User
from mamori.accounts.roles import Role
from mamori.audit.models import AuditEntry
from mamori.contractors.models import Contractor
from mamori.core.models import Organisation
from mamori.incidents.models import CaseAccess, IncidentCase


@pytest.mark.django_db
def test_demo_prints_the_logins_and_has_one_user_per_role():
    # when
    out = StringIO()
    call_command("demo", stdout=out)
    # then
    text = out.getvalue()
    assert "mamori-demo-2018" in text
    assert {u.role for u in User.objects.all()} == set(Role)
    assert "manager" in text and "investigator" in text
    assert Organisation.current().name == "有限会社トイボックス浪速"


@pytest.mark.django_db
def test_demo_is_idempotent():
    # given
    call_command("demo", stdout=StringIO())
    counts = [m.objects.count() for m in (User, Contractor, IncidentCase, CaseAccess, Organisation, AuditEntry)]
    # when
    call_command("demo", stdout=StringIO())
    # then
    assert [m.objects.count() for m in (User, Contractor, IncidentCase, CaseAccess, Organisation, AuditEntry)] == counts


@pytest.mark.django_db
def test_demo_contractor_user_belongs_to_the_server_contractor_and_the_investigator_is_invited():
    call_command("demo", stdout=StringIO())
    contractor = User.objects.get(username="contractor")
    assert contractor.contractor.name == "株式会社なにわシステムサービス"
    case = IncidentCase.objects.get()
    assert CaseAccess.objects.filter(case=case, user__username="investigator").exists()


@pytest.mark.django_db
def test_demo_code_prints_a_six_digit_code():
    out = StringIO()
    call_command("demo", "--code", stdout=out)
    assert out.getvalue().strip().isdigit() and len(out.getvalue().strip()) == 6
