"""APPI assessments of a case: the service (stored with facts, decision and rules' version, timeline and audit
in one go), the case page's panel, the API and the due dates they give."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from mamori.audit.models import AuditEntry
from mamori.incidents import appi, deadlines
from mamori.incidents.models import AppiAssessment, CaseStatus, IncidentCase, TimelineEvent

pytestmark = pytest.mark.django_db

LEARNED = dt.datetime(2018, 11, 6, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
FACTS_2018 = {
    "aware_at": "2018-11-06T10:00:00+09:00",
    "persons": 2507,
    "special_care": False,
    "property_damage_risk": True,
    "improper_purpose": True,
    "high_level_encryption": False,
    "key_compromised": False,
    "role": "principal",
    "notified_principal": False,
}


@pytest.fixture
def case_2018(server_co) -> IncidentCase:
    return IncidentCase.objects.create(
        title="通販サイトのカード情報漏えい", discovered_at=LEARNED, contractor=server_co, persons_affected=2507
    )


def test_an_assessment_is_stored_with_its_facts_decision_and_rules_version_and_written_down(manager, case_2018):
    # when
    assessment = appi.assess_case(manager, case_2018, FACTS_2018)
    # then
    stored = AppiAssessment.objects.get(pk=assessment.pk)
    assert stored.facts["persons"] == 2507 and stored.rules_version == "2024-04-01"
    assert stored.decision["categories"] == [2, 3, 4] and stored.decision["final_due"] == "2019-01-04"
    assert stored.assessed_by == manager
    event = TimelineEvent.objects.get(case=case_2018, reference=f"appi_assessment:{stored.pk}")
    assert "2, 3, 4" in event.title.replace("・", ", ")
    types = set(AuditEntry.objects.filter(actor_username="manager").values_list("object_type", flat=True))
    assert {"incidents.appiassessment", "incidents.timelineevent"} <= types


def test_bad_facts_are_refused_with_the_field_named_and_nothing_is_stored(manager, case_2018):
    # when
    with pytest.raises(ValidationError) as refused:
        appi.assess_case(manager, case_2018, FACTS_2018 | {"special_care": "yes"})
    # then
    assert set(refused.value.message_dict) == {"special_care"}
    assert not AppiAssessment.objects.exists() and not TimelineEvent.objects.exists()


@pytest.mark.parametrize("who", ["staff", "alice_contractor", "president", "auditor"])
def test_only_the_manager_assesses(request, who, case_2018):
    # given
    user = request.getfixturevalue(who)
    # when / then
    with pytest.raises(PermissionDenied):
        appi.assess_case(user, case_2018, FACTS_2018)
    assert not AppiAssessment.objects.exists()


def test_a_contractor_user_of_another_contractor_does_not_learn_the_case_exists(bob_logistics, case_2018):
    from mamori.accounts.policy import NotVisible

    with pytest.raises(NotVisible):
        appi.assess_case(bob_logistics, case_2018, FACTS_2018)


def test_the_deadlines_come_from_the_latest_assessment_of_an_open_case(manager, case_2018):
    # given: a first guess, then the facts as found
    appi.assess_case(manager, case_2018, FACTS_2018 | {"improper_purpose": False, "persons": 10})
    appi.assess_case(manager, case_2018, FACTS_2018)
    # when
    due = {d.key: d for d in deadlines.for_case(case_2018)}
    # then
    key = f"case:{case_2018.pk}:appi"
    assert set(due) >= {f"{key}:preliminary", f"{key}:final", f"{key}:notice"}
    assert (due[f"{key}:preliminary"].earliest, due[f"{key}:preliminary"].due) == (
        dt.date(2018, 11, 8),
        dt.date(2018, 11, 10),
    )
    assert due[f"{key}:final"].due == dt.date(2019, 1, 4)
    assert (
        "Art. 8(2)" in due[f"{key}:final"].basis
        and "Day 60, the day of learning being day 1" in due[f"{key}:final"].basis
    )
    assert "Art. 26(2)" in due[f"{key}:notice"].basis


def test_no_deadlines_when_no_report_is_required_or_the_case_is_closed(manager, case_2018):
    # given
    appi.assess_case(manager, case_2018, FACTS_2018 | {"high_level_encryption": True})
    # then
    assert not [d for d in deadlines.for_case(case_2018) if ":appi:" in d.key]
    # given
    appi.assess_case(manager, case_2018, FACTS_2018)
    IncidentCase.objects.filter(pk=case_2018.pk).update(status=CaseStatus.CLOSED)
    case_2018.refresh_from_db()
    # then
    assert not [d for d in deadlines.for_case(case_2018) if ":appi:" in d.key]


def test_a_contractor_that_has_not_told_its_client_gets_that_notice_as_a_deadline(manager, case_2018):
    appi.assess_case(manager, case_2018, FACTS_2018 | {"role": "contractor", "notified_principal": False})
    keys = {d.key for d in deadlines.for_case(case_2018)}
    assert f"case:{case_2018.pk}:appi:principal_notice" in keys


# --- the page and the panel ---------------------------------------------------------------------------------


def test_the_manager_assesses_from_the_case_page_and_sees_the_decision_in_japanese(manager, client_for, case_2018):
    # given
    browser = client_for(manager)
    form = {k: ("on" if v is True else v) for k, v in FACTS_2018.items() if v is not False}
    form["aware_at"] = "2018-11-06T10:00"
    # when
    response = browser.post(f"/incidents/{case_2018.pk}/appi/", form)
    # then
    assert response.status_code == 302 and response.url.endswith(f"/incidents/{case_2018.pk}/#appi")
    page = browser.get(f"/incidents/{case_2018.pk}/appi/").content.decode()
    assert "不正に利用されることにより財産的被害が生じるおそれ" in page
    assert "不正の目的をもって行われたおそれ" in page and "本人の数が1,000人を超える" in page
    assert "2018-11-08 – 2018-11-10" in page and "2019-01-04" in page
    assert "規則第8条第2項" in page and "覚知した日（2018-11-06、日本時間）を1日目" in page


def test_the_form_is_prefilled_from_the_case(manager, client_for, case_2018):
    page = client_for(manager).get(f"/incidents/{case_2018.pk}/appi/").content.decode()
    assert 'value="2507"' in page and 'value="2018-11-06T10:00"' in page


def test_a_form_with_a_mistake_is_shown_again_with_the_field_marked(manager, client_for, case_2018):
    response = client_for(manager).post(f"/incidents/{case_2018.pk}/appi/", {"aware_at": "2018-11-06T10:00"})
    assert response.status_code == 400
    assert 'id="id_persons"' in response.content.decode() and "has-error" in response.content.decode()
    assert not AppiAssessment.objects.exists()


def test_earlier_assessments_stay_listed(manager, client_for, case_2018):
    appi.assess_case(manager, case_2018, FACTS_2018 | {"improper_purpose": False})
    appi.assess_case(manager, case_2018, FACTS_2018)
    page = client_for(manager).get(f"/incidents/{case_2018.pk}/appi/").content.decode()
    assert "appi-earlier" in page and "2018-12-05" in page  # the 30-day due date of the first assessment


def _panel(user, case) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return Template("{% load case_appi %}{% appi_panel case %}").render(Context({"case": case, "request": request}))


def test_the_panel_shows_the_form_only_to_the_manager_and_nothing_to_staff_or_contractors(
    manager, president, staff, alice_contractor, case_2018
):
    # given
    appi.assess_case(manager, case_2018, FACTS_2018)
    # then
    assert "<form" in _panel(manager, case_2018) and 'id="appi"' in _panel(manager, case_2018)
    assert "2019-01-04" in _panel(president, case_2018) and "<form" not in _panel(president, case_2018)
    assert _panel(staff, case_2018) == "" and _panel(alice_contractor, case_2018) == ""


# --- the API ---------------------------------------------------------------------------------------------------


def test_the_api_assesses_and_lists(manager, client_for, case_2018):
    # given
    api = client_for(manager)
    url = f"/api/v1/cases/{case_2018.pk}/appi-assessments/"
    # when
    created = api.post(url, FACTS_2018, content_type="application/json")
    listed = api.get(url)
    # then
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["decision"]["categories"] == [2, 3, 4] and body["rules_version"] == "2024-04-01"
    assert body["assessed_by"] == "manager"
    assert listed.json()["results"][0]["id"] == body["id"]
    assert api.get(f"{url}{body['id']}/").json()["decision"]["final_due"] == "2019-01-04"


def test_the_api_names_a_bad_field(manager, client_for, case_2018):
    response = client_for(manager).post(
        f"/api/v1/cases/{case_2018.pk}/appi-assessments/",
        FACTS_2018 | {"persons": True},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"persons"}


@pytest.mark.parametrize(
    ("who", "status"),
    [("staff", 403), ("alice_contractor", 403), ("bob_logistics", 404), ("president", 403), ("investigator", 403)],
)
def test_others_cannot_assess_through_the_api(request, client_for, invited, case_2018, who, status):
    # given: the investigator is invited to this case (it may read, not assess)
    user = request.getfixturevalue(who)
    if who == "investigator":
        invited.case = case_2018
        invited.save()
    # when
    response = client_for(user).post(
        f"/api/v1/cases/{case_2018.pk}/appi-assessments/", FACTS_2018, content_type="application/json"
    )
    # then
    assert response.status_code == status
    assert not AppiAssessment.objects.exists()


def test_an_invited_investigator_reads_the_assessments_and_others_do_not_see_them(
    manager, investigator, invited, client_for, internal_case
):
    # given
    appi.assess_case(manager, invited.case, FACTS_2018)
    appi.assess_case(manager, internal_case, FACTS_2018)
    ivy = client_for(investigator)
    # then
    assert ivy.get(f"/api/v1/cases/{invited.case.pk}/appi-assessments/").status_code == 200
    assert ivy.get(f"/api/v1/cases/{internal_case.pk}/appi-assessments/").status_code == 404
    assert AppiAssessment.objects.filter(assessed_at__lte=timezone.now()).count() == 2
