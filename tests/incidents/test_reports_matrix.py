"""Report-draft downloads × every role: a download is an export of the case (manager, top management,
internal audit); staff, contractor users and investigators who can see the case get 403, the others 404."""

from __future__ import annotations

import pytest

from tests.matrix import ROLES, matrix_tests

GET_MATRIX: dict[str, tuple[int, ...]] = {
    # president, manager, auditor, staff, alice (the case's contractor), bob (another contractor), ivy (invited)
    "/incidents/{server_case}/reports/ppc_preliminary.docx": (200, 200, 200, 403, 403, 404, 403),
    "/incidents/{server_case}/reports/individual_notice.pdf?lang=en": (200, 200, 200, 403, 403, 404, 403),
    "/incidents/{internal_case}/reports/public_announcement.pdf": (200, 200, 200, 403, 404, 404, 404),
    "/incidents/{internal_case}/reports/card_company.docx": (200, 200, 200, 403, 404, 404, 404),
    "/incidents/{server_case}/reports/unknown_kind.docx": (404, 404, 404, 404, 404, 404, 404),
    "/incidents/{server_case}/reports/ppc_final.odt": (404, 404, 404, 404, 404, 404, 404),
    "/incidents/99999/reports/ppc_final.pdf": (404, 404, 404, 404, 404, 404, 404),
}
POST_MATRIX: dict[str, tuple[int, ...]] = {
    # Downloads are GET only.
    "/incidents/{server_case}/reports/ppc_final.pdf": (405, 405, 405, 405, 405, 405, 405),
}


@pytest.fixture
def world(request, server_case, internal_case, invited):
    users = {name: request.getfixturevalue(name) for name in ROLES}
    return users, {"server_case": server_case.pk, "internal_case": internal_case.pk}


test_get_access, test_post_access, test_anonymous_visitors_are_sent_to_sign_in = matrix_tests(
    GET_MATRIX, POST_MATRIX, list(GET_MATRIX)
)
