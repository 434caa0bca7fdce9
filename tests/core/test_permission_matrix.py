"""Every page × every role: exactly the access the policy grants (200 / 302 / 403 / 404).

404 means "this record does not exist for you": contractor users never learn about other contractors'
or internal records, investigators only about the cases they are invited to.
"""

from __future__ import annotations

import pytest

from mamori.accounts.policy import SYSTEM
from mamori.accounts.services import issue_api_token
from mamori.incidents.models import IncidentCase
from mamori.jobs.services import enqueue
from tests.matrix import OK, ROLES, matrix_tests

# path template → expected status per role, in ROLES order. {server_co}, {internal_case} ... are filled in.
GET_MATRIX: dict[str, tuple[int, ...]] = {
    "/": (200, 200, 200, 200, 200, 200, 200),
    "/areas/pms/": (404, 404, 404, 404, 404, 404, 404),  # built: the management system has its own pages
    "/areas/ledger/": (404, 404, 404, 404, 404, 404, 404),  # built: the ledger has its own pages
    "/accounts/users/": (200, 200, 200, 403, 403, 403, 403),
    "/accounts/users/new/": (403, 200, 403, 403, 403, 403, 403),
    "/accounts/users/{staff}/": (200, 200, 200, 404, 404, 404, 404),
    "/accounts/users/{staff}/edit/": (403, 200, 403, 404, 404, 404, 404),
    "/contractors/": (200, 200, 200, 200, 200, 200, 403),
    "/contractors/new/": (403, 200, 403, 403, 403, 403, 403),
    "/contractors/{server_co}/": (200, 200, 200, 200, 200, 404, 404),
    "/contractors/{logistics_co}/": (200, 200, 200, 200, 404, 200, 404),
    "/contractors/{server_co}/edit/": (403, 200, 403, 403, 403, 404, 404),
    "/incidents/": (200, 200, 200, 200, 200, 200, 200),
    "/incidents/new/": (403, 200, 403, 200, 200, 200, 403),
    "/incidents/{server_case}/": (200, 200, 200, 200, 200, 404, 200),
    "/incidents/{internal_case}/": (200, 200, 200, 200, 404, 404, 404),
    "/incidents/{server_case}/edit/": (200, 200, 403, 403, 403, 404, 403),
    "/incidents/{internal_case}/edit/": (200, 200, 403, 403, 404, 404, 404),
    "/jobs/": (403, 200, 200, 403, 403, 403, 403),
    "/jobs/{job}/": (403, 200, 200, 403, 403, 403, 403),
    "/audit/": (200, 200, 200, 403, 403, 403, 403),
    "/audit/record/contractors.contractor/{server_co}/": (200, 200, 200, 403, 403, 403, 403),
    "/audit/export.csv": (200, 200, 200, 403, 403, 403, 403),
    # API tokens: everybody lists their own; another user's token exists only for its owner and the manager
    "/accounts/tokens/": (200, 200, 200, 200, 200, 200, 200),
    "/api/v1/auth/tokens/": (200, 200, 200, 200, 200, 200, 200),
    "/api/v1/auth/tokens/{staff_token}/": (404, 200, 404, 200, 404, 404, 404),
}

POST_MATRIX: dict[str, tuple[int, ...]] = {
    # 409: the logistics contractor still has a user (bob), so it cannot be deleted
    "/contractors/{logistics_co}/delete/": (403, 409, 403, 403, 404, 403, 404),
    "/accounts/users/{staff}/unlock/": (403, 302, 403, 404, 404, 404, 404),
    "/accounts/users/{staff}/reset-two-factor/": (403, 302, 403, 404, 404, 404, 404),
    "/accounts/tokens/{staff_token}/revoke/": (404, 302, 404, 302, 404, 404, 404),
    "/api/v1/auth/tokens/{staff_token}/revoke/": (404, OK, 404, OK, 404, 404, 404),
}


@pytest.fixture
def world(request, server_co, logistics_co, server_case, internal_case, invited, staff):
    users = {name: request.getfixturevalue(name) for name in ROLES}
    ids = {
        "server_co": server_co.pk,
        "logistics_co": logistics_co.pk,
        "server_case": server_case.pk,
        "internal_case": internal_case.pk,
        "staff": staff.pk,
        "job": enqueue(SYSTEM, "system.noop").pk,
        "staff_token": issue_api_token(staff, staff, "ci")[0].pk,
    }
    return users, ids


test_get_access, test_post_access, test_anonymous_visitors_are_sent_to_sign_in = matrix_tests(
    GET_MATRIX, POST_MATRIX, [*GET_MATRIX, *POST_MATRIX]
)


@pytest.mark.django_db
def test_contractor_user_lists_only_its_own_contractor_and_cases(world, client_for):
    # given
    users, _ = world
    # when
    contractors = client_for(users["alice_contractor"]).get("/contractors/").content.decode()
    cases = client_for(users["alice_contractor"]).get("/incidents/").content.decode()
    # then
    assert "なにわシステムサービス" in contractors and "関西ロジスティクス" not in contractors
    assert "カード情報漏えいの疑い" in cases and "社内PCの紛失" not in cases


@pytest.mark.django_db
def test_investigator_lists_only_invited_cases(world, client_for):
    users, _ = world
    cases = client_for(users["investigator"]).get("/incidents/").content.decode()
    assert "カード情報漏えいの疑い" in cases and "社内PCの紛失" not in cases


@pytest.mark.django_db
def test_contractor_user_reporting_a_case_never_sees_other_contractors(world, client_for):
    # given
    users, _ = world
    alice = users["alice_contractor"]
    # when
    form_page = client_for(alice).get("/incidents/new/").content.decode()
    response = client_for(alice).post(
        "/incidents/new/",
        {
            "title": "不審なログイン",
            "discovered_at": "2026-11-28T10:00",
            "detection_source": "contractor",
            "severity": "high",
            "suspected_breach": "on",
        },
    )
    # then
    assert "関西ロジスティクス" not in form_page
    assert response.status_code == 302
    case = IncidentCase.objects.get(title="不審なログイン")
    assert case.contractor == alice.contractor


SPECIAL_VERBS_GRANTED = {
    # (resource, verb) → the only roles that hold it
    ("risk", "accept"): {"protection_manager"},
    ("data_source", "test"): {"protection_manager"},
    ("incident_case", "release_hold"): {"protection_manager"},
    ("evidence", "read_preserved"): {"protection_manager", "investigator"},
    ("contractor_supervision", "approve"): {"protection_manager"},
    # policies by top management, rules and procedures by the protection manager (narrowed by kind in pms)
    ("pms_document", "approve"): {"protection_manager", "top_management"},
    ("management_review", "approve"): {"top_management"},
}


def test_verbs_beyond_the_record_verbs_are_granted_by_name_only_where_the_policy_says():
    # given
    from mamori.accounts.policy import ALL, RESOURCES, Action

    record_verbs = {Action.VIEW, Action.ADD, Action.CHANGE, Action.DELETE, Action.EXPORT}
    # then: "all" means the record verbs; accept, approve, release hold and the connection test are named
    assert record_verbs == ALL
    granted = {
        (res.name, verb.value): {str(role) for role, verbs in res.grants.items() if verb in verbs}
        for res in RESOURCES.values()
        for verb in set(Action) - record_verbs
    }
    assert {key: roles for key, roles in granted.items() if roles} == SPECIAL_VERBS_GRANTED
