"""Every portal page, portal action on the case page and portal API endpoint × every role (200 / 302 / 400 / 403 / 404).

alice is a user of the case's contractor and owns one of its tasks; bob belongs to another contractor (the
case does not exist for him); ivy is invited to the case. Internal users are sent from the portal pages to
the case pages (302). A POST with an empty body is 400 where the user may act (the form names what is missing).
"""

from __future__ import annotations

import pytest

from mamori.incidents import portal
from mamori.incidents.models import CaseTask
from tests.matrix import ROLES, matrix_tests

GET_MATRIX: dict[str, tuple[int, ...]] = {
    # president, manager, auditor, staff, alice, bob, ivy
    "/incidents/portal/": (302, 302, 302, 302, 200, 200, 200),
    "/incidents/portal/report/": (403, 403, 403, 403, 200, 200, 403),
    "/incidents/portal/cases/{server_case}/": (302, 302, 302, 302, 200, 404, 200),
    "/incidents/portal/cases/{internal_case}/": (302, 302, 302, 302, 404, 404, 404),
    "/incidents/portal/tasks/": (200, 200, 200, 200, 200, 200, 403),
    "/incidents/portal/tasks/{alice_task}/": (404, 404, 404, 404, 200, 404, 403),
    "/incidents/{server_case}/preservation-notice/": (403, 200, 403, 403, 403, 404, 403),
    "/incidents/{server_case}/investigators/": (403, 200, 403, 403, 403, 404, 403),
    "/incidents/{internal_case}/investigators/": (403, 200, 403, 403, 404, 404, 404),
    "/api/v1/portal/notices/": (200, 200, 200, 403, 200, 200, 200),
    "/api/v1/portal/notices/{notice}/": (200, 200, 200, 404, 200, 404, 200),
    "/api/v1/portal/tasks/": (200, 200, 200, 200, 200, 200, 403),
    "/api/v1/portal/tasks/{alice_task}/": (404, 404, 404, 404, 200, 404, 404),  # API: a task one may not see is 404
}

POST_MATRIX: dict[str, tuple[int, ...]] = {
    "/incidents/portal/report/": (403, 403, 403, 403, 400, 400, 403),
    "/incidents/portal/cases/{server_case}/evidence/": (403, 400, 403, 400, 400, 404, 403),
    "/incidents/portal/notices/{notice}/acknowledge/": (403, 403, 403, 404, 302, 404, 403),
    "/incidents/portal/tasks/{alice_task}/": (404, 404, 404, 404, 400, 404, 403),
    "/incidents/portal/access/{access}/revoke/": (403, 302, 403, 403, 403, 403, 403),
    "/incidents/{server_case}/preservation-notice/": (403, 400, 403, 403, 403, 404, 403),
    "/incidents/{server_case}/investigators/": (403, 400, 403, 403, 403, 404, 403),
    "/incidents/{server_case}/export/": (200, 200, 200, 403, 403, 404, 403),
    "/api/v1/portal/reports/": (403, 403, 403, 403, 400, 400, 403),
    "/api/v1/portal/notices/{notice}/acknowledge/": (403, 403, 403, 404, 200, 404, 403),
}


@pytest.fixture
def world(request, server_case, internal_case, invited, manager, alice_contractor):
    users = {name: request.getfixturevalue(name) for name in ROLES}
    task = CaseTask.objects.create(case=server_case, title="ログを保全する", owner=alice_contractor, created_by=manager)
    notice = portal.send_preservation_notice(manager, server_case)
    ids = {
        "server_case": server_case.pk,
        "internal_case": internal_case.pk,
        "alice_task": task.pk,
        "notice": notice.pk,
        "access": invited.pk,
    }
    return users, ids


test_get_access, test_post_access, test_anonymous_visitors_are_sent_to_sign_in = matrix_tests(
    GET_MATRIX, POST_MATRIX, [*GET_MATRIX, *POST_MATRIX]
)


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "expected"), list(zip(ROLES, (404, 404, 404, 404, 400, 404, 404), strict=True)))
def test_patching_a_task_through_the_api(world, client_for, role, expected):
    # given an invalid status, so that a user who may change the task gets 400 (and nothing changes)
    users, ids = world
    # when
    response = client_for(users[role]).patch(
        f"/api/v1/portal/tasks/{ids['alice_task']}/", {"status": "?"}, content_type="application/json"
    )
    # then
    assert response.status_code == expected
