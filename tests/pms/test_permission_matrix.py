"""Every requirements page × every role: the management-system records are for the protection manager (who edits
them), top management and the internal audit manager (who read and export them); nobody else sees them."""

from __future__ import annotations

import pytest

from mamori.pms.models import Control, ControlEvidence
from tests.matrix import ROLES, matrix_tests

GET_MATRIX: dict[str, tuple[int, ...]] = {
    "/pms/": (200, 200, 200, 403, 403, 403, 403),
    "/pms/?status=implemented&gaps=on": (200, 200, 200, 403, 403, 403, 403),
    "/pms/readiness/": (200, 200, 200, 403, 403, 403, 403),
    "/pms/readiness.xlsx": (200, 200, 200, 403, 403, 403, 403),
    "/pms/readiness.pdf": (200, 200, 200, 403, 403, 403, 403),
    "/pms/{control}/": (200, 200, 200, 404, 404, 404, 404),
    "/pms/99999/": (404, 404, 404, 404, 404, 404, 404),
    "/pms/{control}/edit/": (403, 200, 403, 404, 404, 404, 404),
    "/pms/evidence/{evidence}/archive/": (403, 200, 403, 404, 404, 404, 404),
    "/api/v1/controls/": (200, 200, 200, 403, 403, 403, 403),
    "/api/v1/controls/readiness/": (200, 200, 200, 403, 403, 403, 403),
    "/api/v1/controls/{control}/": (200, 200, 200, 404, 404, 404, 404),
}

POST_MATRIX: dict[str, tuple[int, ...]] = {
    "/pms/{control}/edit/": (403, 200, 403, 404, 404, 404, 404),  # 200: nothing sent, the form again
    "/pms/{control}/evidence/": (403, 400, 403, 404, 404, 404, 404),  # 400: nothing sent
    "/pms/evidence/{evidence}/archive/": (403, 200, 403, 404, 404, 404, 404),  # 200: nothing sent, the form again
}


@pytest.fixture
def world(request, db):
    users = {name: request.getfixturevalue(name) for name in ROLES}
    control = Control.objects.get(key="identification")
    evidence = ControlEvidence.objects.create(control=control, label="台帳 2026年度版")
    return users, {"control": control.pk, "evidence": evidence.pk}


test_get_access, test_post_access, test_anonymous_visitors_are_sent_to_sign_in = matrix_tests(
    GET_MATRIX, POST_MATRIX, [*GET_MATRIX, *POST_MATRIX]
)
