"""Every page and endpoint of the cases part × every role: exactly the access the policy grants.

Reading a row (president, manager, auditor, staff, alice of the server contractor, bob of another
contractor, ivy the invited investigator): 200/302 allowed; 400 allowed but the empty form was refused
(with a message); 403 visible but not for this role; 404 a record this user may not know exists; 405 the
method is never allowed (cases are archived, not deleted).
"""

from __future__ import annotations

import pytest

from mamori.accounts.policy import SYSTEM
from mamori.incidents import services
from tests.incidents import cases_support
from tests.matrix import ROLES, matrix_tests

GET_MATRIX: dict[str, tuple[int, ...]] = {
    "/incidents/?status=received": (200, 200, 200, 200, 200, 200, 200),
    "/incidents/?archived=1&status=open": (200, 200, 200, 200, 200, 200, 200),
    "/incidents/{archived_case}/": (200, 200, 200, 200, 404, 404, 404),
    "/incidents/playbooks/": (200, 200, 200, 200, 403, 403, 403),
    "/incidents/playbooks/new/": (403, 200, 403, 403, 403, 403, 403),
    "/incidents/playbooks/{playbook}/": (200, 200, 200, 200, 404, 404, 404),
    "/incidents/playbooks/{playbook}/edit/": (403, 200, 403, 403, 404, 404, 404),
    "/incidents/playbooks/{playbook}/steps/new/": (403, 200, 403, 403, 404, 404, 404),
    "/incidents/playbooks/steps/{step}/edit/": (403, 200, 403, 403, 404, 404, 404),
    "/incidents/{server_case}/move/": (405, 405, 405, 405, 405, 405, 405),
    "/api/v1/cases/?archived=true": (200, 200, 200, 200, 200, 200, 200),
    "/api/v1/cases/{server_case}/timeline/": (200, 200, 200, 200, 200, 404, 200),
    "/api/v1/cases/{internal_case}/timeline/": (200, 200, 200, 200, 404, 404, 404),
    "/api/v1/cases/{server_case}/stages/": (200, 200, 200, 200, 200, 404, 200),
    "/api/v1/cases/{internal_case}/stages/": (200, 200, 200, 200, 404, 404, 404),
    "/api/v1/case-tasks/": (200, 200, 200, 200, 200, 200, 403),
    "/api/v1/case-tasks/?case={server_case}": (200, 200, 200, 200, 200, 200, 403),
    "/api/v1/case-tasks/{server_task}/": (200, 200, 200, 200, 404, 404, 404),
    "/api/v1/case-tasks/{alice_task}/": (200, 200, 200, 200, 200, 404, 404),
}

POST_MATRIX: dict[str, tuple[int, ...]] = {
    # 400: no stage and no reason were sent
    "/incidents/{server_case}/move/": (400, 400, 403, 403, 403, 404, 403),
    "/incidents/{internal_case}/move/": (400, 400, 403, 403, 404, 404, 404),
    # 400: no reason (and the server case is under legal hold)
    "/incidents/{server_case}/archive/": (400, 400, 403, 403, 403, 404, 403),
    "/incidents/{internal_case}/archive/": (400, 400, 403, 403, 404, 404, 404),
    "/incidents/{server_case}/timeline/": (400, 400, 403, 400, 400, 404, 403),
    "/incidents/{internal_case}/timeline/": (400, 400, 403, 400, 404, 404, 404),
    "/incidents/{server_case}/tasks/": (403, 400, 403, 403, 403, 404, 403),
    "/incidents/{internal_case}/tasks/": (403, 400, 403, 403, 404, 404, 404),
    "/incidents/{server_case}/playbook/": (403, 400, 403, 403, 403, 404, 403),
    # an empty change changes nothing; contractor users reach only tasks assigned to them
    "/incidents/tasks/{server_task}/": (302, 302, 403, 302, 404, 404, 404),
    "/incidents/tasks/{alice_task}/": (302, 302, 403, 302, 302, 404, 404),
    "/incidents/playbooks/new/": (403, 400, 403, 403, 403, 403, 403),
    "/incidents/playbooks/{playbook}/edit/": (403, 400, 403, 403, 404, 404, 404),
    "/incidents/playbooks/{playbook}/steps/new/": (403, 400, 403, 403, 404, 404, 404),
    "/incidents/playbooks/steps/{step}/edit/": (403, 400, 403, 403, 404, 404, 404),
    "/incidents/playbooks/steps/{step}/delete/": (403, 302, 403, 403, 404, 404, 404),
    "/api/v1/cases/{server_case}/move/": (400, 400, 403, 403, 403, 404, 403),
    "/api/v1/cases/{internal_case}/move/": (400, 400, 403, 403, 404, 404, 404),
    "/api/v1/cases/{server_case}/archive/": (400, 400, 403, 403, 403, 404, 403),
    "/api/v1/cases/{server_case}/timeline/": (400, 400, 403, 400, 400, 404, 403),
    "/api/v1/case-tasks/": (403, 400, 403, 403, 403, 403, 403),
}

# Fixtures shared by the case tests.
alice_task, card_playbook, server_task = (
    cases_support.alice_task,
    cases_support.card_playbook,
    cases_support.server_task,
)


@pytest.fixture
def world(request, server_co, logistics_co, server_case, internal_case, invited, card_playbook):
    users = {name: request.getfixturevalue(name) for name in ROLES}
    archived = services.create_case(
        SYSTEM, {"title": "誤登録", "discovered_at": internal_case.discovered_at, "suspected_breach": False}
    )
    services.archive_case(SYSTEM, archived, "二重登録")
    ids = {
        "server_case": server_case.pk,
        "internal_case": internal_case.pk,
        "archived_case": archived.pk,
        "playbook": card_playbook.pk,
        "step": card_playbook.steps.first().pk,
        "server_task": request.getfixturevalue("server_task").pk,
        "alice_task": request.getfixturevalue("alice_task").pk,
    }
    return users, ids


test_get_access, test_post_access, test_anonymous_visitors_are_sent_to_sign_in = matrix_tests(
    GET_MATRIX, POST_MATRIX, [*GET_MATRIX, *POST_MATRIX]
)
