"""APPI assessment pages and API × every role: exactly the access the policy grants.

Only the protection manager assesses; top management, the audit manager and an invited investigator read the
assessments; staff and contractor users see the case but not its assessment (403), and a case a user may
not see is 404. The detail API answers 404 to roles that may see no assessment at all, as everywhere.
"""

from __future__ import annotations

import pytest

from mamori.accounts.policy import SYSTEM
from mamori.incidents import appi
from tests.matrix import ROLES, matrix_tests

#                    president manager auditor staff alice bob ivy (invited to server_case)
GET_MATRIX: dict[str, tuple[int, ...]] = {
    "/incidents/{server_case}/appi/": (200, 200, 200, 403, 403, 404, 200),
    "/incidents/{internal_case}/appi/": (200, 200, 200, 403, 404, 404, 404),
    "/incidents/99999/appi/": (404, 404, 404, 404, 404, 404, 404),
    "/api/v1/cases/{server_case}/appi-assessments/": (200, 200, 200, 403, 403, 404, 200),
    "/api/v1/cases/{internal_case}/appi-assessments/": (200, 200, 200, 403, 404, 404, 404),
    "/api/v1/cases/{server_case}/appi-assessments/{assessment}/": (200, 200, 200, 404, 404, 404, 200),
    "/api/v1/cases/{internal_case}/appi-assessments/{assessment}/": (404, 404, 404, 404, 404, 404, 404),
}

POST_MATRIX: dict[str, tuple[int, ...]] = {
    # 400: an empty form (the manager may, but sent no facts)
    "/incidents/{server_case}/appi/": (403, 400, 403, 403, 403, 404, 403),
    "/incidents/{internal_case}/appi/": (403, 400, 403, 403, 404, 404, 404),
    "/api/v1/cases/{server_case}/appi-assessments/": (403, 400, 403, 403, 403, 404, 403),
    "/api/v1/cases/{internal_case}/appi-assessments/": (403, 400, 403, 403, 404, 404, 404),
}

FACTS = {
    "aware_at": "2018-11-06T10:00:00+09:00",
    "persons": 2507,
    "special_care": False,
    "property_damage_risk": True,
    "improper_purpose": True,
    "role": "principal",
}


@pytest.fixture
def world(request, server_case, internal_case, invited):
    users = {name: request.getfixturevalue(name) for name in ROLES}
    assessment = appi.assess_case(SYSTEM, server_case, FACTS)
    ids = {"server_case": server_case.pk, "internal_case": internal_case.pk, "assessment": assessment.pk}
    return users, ids


test_get_access, test_post_access, test_anonymous_visitors_are_sent_to_sign_in = matrix_tests(
    GET_MATRIX, POST_MATRIX, [*GET_MATRIX, *POST_MATRIX]
)
