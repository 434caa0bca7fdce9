"""The inquiry desk (問い合わせ窓口): staff check by e-mail or member id whether a caller is in a case's current
affected list. The answer is yes/no and the case — nothing else about the person — and every lookup is recorded."""

from __future__ import annotations

import pytest

from mamori.audit.models import AuditEntry
from mamori.scoping import services
from tests.scoping.test_services import run, spec

pytestmark = pytest.mark.django_db


@pytest.fixture
def scoped(manager, server_case, shop_source, shop2):
    return run(manager, server_case, spec(shop_source))


def test_a_guest_is_found_by_e_mail_whatever_its_case_and_spaces(staff, scoped, shop2):
    # given a guest of the list
    email = sorted(shop2[1].guest_emails)[0]
    # when asked as a caller spells it
    answer = services.inquiry(staff, email=f"  {email.upper()} ")
    # then
    assert answer.found and answer.cases == [scoped.case]


def test_a_member_is_found_by_member_id_and_a_stranger_is_not(staff, scoped, shop2):
    member = sorted(shop2[1].members)[0].split(":")[1]
    assert services.inquiry(staff, member_id=member).found
    assert not services.inquiry(staff, member_id="999999").found
    assert not services.inquiry(staff, email="outside-only@example.com").found  # ordered only outside the window
    assert not services.inquiry(staff, email="cancelled-only@example.com").found


def test_every_lookup_is_recorded_with_the_query_masked(staff, scoped):
    # when
    services.inquiry(staff, email="guest1@example.com")
    services.inquiry(staff, member_id="999999")
    # then
    entries = list(AuditEntry.objects.filter(action="scoping_inquiry").order_by("seq"))
    assert [e.actor_username for e in entries] == ["staff", "staff"]
    assert "gu***@example.com: found" in entries[0].message
    assert "guest1@" not in entries[0].message
    assert entries[1].message.endswith("not found")


def test_the_page_answers_only_yes_or_no(english, staff, scoped, shop2):
    # given
    email = sorted(shop2[1].guest_emails)[0]
    person = scoped.people.get(identity=f"email:{email}")
    # when
    page = english(staff).post("/scoping/inquiry/", {"email": email}).content.decode()
    # then
    assert "Yes: this person is in the affected list." in page
    assert person.name not in page and person.phone not in page and person.address not in page


def test_the_api_answers_only_found_and_the_cases(english, staff, scoped, shop2):
    member = sorted(shop2[1].members)[0].split(":")[1]
    body = (
        english(staff).post("/api/v1/scoping-inquiries/", {"member_id": member}, content_type="application/json").json()
    )
    assert body == {"found": True, "cases": [{"id": scoped.case.pk, "title": scoped.case.title}]}


def test_asking_with_neither_or_both_is_a_clear_error(english, staff, scoped):
    page = english(staff).post("/scoping/inquiry/", {}).content.decode()
    assert "Give either an e-mail address or a member id." in page
    response = english(staff).post(
        "/api/v1/scoping-inquiries/", {"email": "a@b.jp", "member_id": "1"}, content_type="application/json"
    )
    assert response.status_code == 400


def test_a_superseded_list_is_not_asked(staff, manager, server_case, shop_source, shop2, scoped):
    # given a second version that counts only the first card method
    run(manager, server_case, spec(shop_source, ids=[6]))
    current = services.current_scoping(server_case)
    only_in_first = set(scoped.people.values_list("member_id", flat=True)) - set(
        current.people.values_list("member_id", flat=True)
    )
    only_in_first.discard("")
    # then
    assert only_in_first
    assert not services.inquiry(staff, member_id=sorted(only_in_first)[0]).found
