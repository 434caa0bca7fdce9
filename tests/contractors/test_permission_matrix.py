"""Every contractor-supervision page and endpoint × every role: exactly the access the policy grants.

Supervision records (evaluations, contracts, sub-contractors, reviews) are internal: the protection manager keeps
them, top management and internal audit read them, nobody else does (403). The joint incident manual is also seen
by the users of its own contractor, who download and acknowledge it; another contractor's users get 404.
"""

from __future__ import annotations

import datetime as dt

import pytest

from mamori.accounts.policy import SYSTEM
from mamori.contractors import manual, services
from tests.matrix import ROLES, matrix_tests

NEW = (403, 200, 403, 403, 403, 404, 404)  # a form under the server contractor: alice sees it, may not add
INTERNAL = (200, 200, 200, 403, 403, 403, 403)
MANAGER_ONLY = (403, 200, 403, 403, 403, 403, 403)
MANUAL_FILE = (200, 200, 200, 404, 200, 404, 404)

GET_MATRIX: dict[str, tuple[int, ...]] = {
    "/contractors/": (200, 200, 200, 200, 200, 200, 403),
    "/contractors/{server_co}/": (200, 200, 200, 200, 200, 404, 404),
    "/contractors/criteria/": INTERNAL,
    "/contractors/criteria/new/": MANAGER_ONLY,
    "/contractors/criteria/{criterion}/": MANAGER_ONLY,
    "/contractors/criteria/99999/": (403, 404, 403, 403, 403, 403, 403),
    "/contractors/{server_co}/evaluations/new/": NEW,
    "/contractors/evaluations/{evaluation}/": INTERNAL,
    "/contractors/evaluations/99999/": (404, 404, 404, 403, 403, 403, 403),
    "/contractors/{server_co}/contracts/new/": NEW,
    "/contractors/contracts/{contract}/": INTERNAL,
    "/contractors/contracts/{contract}/edit/": MANAGER_ONLY,
    "/contractors/{server_co}/subcontractors/new/": NEW,
    "/contractors/{server_co}/reviews/new/": NEW,
    "/contractors/reviews/{review}/complete/": MANAGER_ONLY,
    "/contractors/manuals/{manual}.pdf": MANUAL_FILE,
    "/contractors/manuals/{manual}.docx": MANUAL_FILE,
    "/contractors/manuals/{manual}.exe": (404, 404, 404, 404, 404, 404, 404),
    "/contractors/portal/manual/": (404, 404, 404, 404, 200, 200, 404),
    "/api/v1/contractor-evaluations/": INTERNAL,
    "/api/v1/contractor-evaluations/{evaluation}/": (200, 200, 200, 404, 404, 404, 404),
    "/api/v1/contractor-contracts/": INTERNAL,
    "/api/v1/contractor-contracts/{contract}/": (200, 200, 200, 404, 404, 404, 404),
    "/api/v1/contractor-reviews/": INTERNAL,
    "/api/v1/contractor-reviews/{review}/": (200, 200, 200, 404, 404, 404, 404),
    "/api/v1/contractor-warnings/": INTERNAL,
    "/api/v1/contractor-manuals/": (200, 200, 200, 403, 200, 200, 403),
    "/api/v1/contractor-manuals/{manual}/": MANUAL_FILE,
}

POST_MATRIX: dict[str, tuple[int, ...]] = {
    "/contractors/evaluations/{evaluation}/approve/": (403, 302, 403, 403, 403, 403, 403),
    "/contractors/subcontractors/{subcontractor}/approve/": (403, 302, 403, 403, 403, 403, 403),
    "/contractors/archive/review/{review}/": (403, 302, 403, 403, 403, 403, 403),
    "/contractors/archive/nothing/{review}/": (404, 404, 404, 404, 404, 404, 404),
    "/contractors/{server_co}/manual/generate/": (403, 302, 403, 403, 403, 404, 404),
    "/contractors/portal/manual/{manual}/acknowledge/": (404, 404, 404, 404, 302, 404, 404),
    # the manager sees the manual but is not the contractor: 403; bob does not see it: 404
    "/api/v1/contractor-manuals/{manual}/acknowledge/": (403, 403, 403, 404, 200, 404, 404),
}


@pytest.fixture
def world(request, server_co, logistics_co, card_entry, bare_contract, manager):
    users = {name: request.getfixturevalue(name) for name in ROLES}
    criteria = services.active_criteria()
    evaluation = services.create_evaluation(
        manager, server_co, {"evaluated_on": dt.date(2026, 1, 5)}, {c.pk: (4, "") for c in criteria}
    )
    sub = services.add_subcontractor(SYSTEM, server_co, {"name": "データセンター株式会社"})
    review = services.schedule_review(SYSTEM, server_co, dt.date(2026, 12, 1))
    # Making a manual lays out a PDF: only for the paths that need one (the matrix runs a few hundred cases).
    path = request.node.callspec.params.get("path", "") if hasattr(request.node, "callspec") else "{manual}"
    version = manual.generate(SYSTEM, server_co) if "{manual}" in path else None
    ids = {
        "server_co": server_co.pk,
        "criterion": criteria.first().pk,
        "evaluation": evaluation.pk,
        "contract": bare_contract.pk,
        "subcontractor": sub.pk,
        "review": review.pk,
        "manual": version.pk if version else 0,
    }
    return users, ids


test_get_access, test_post_access, test_anonymous_visitors_are_sent_to_sign_in = matrix_tests(
    GET_MATRIX, POST_MATRIX, [*GET_MATRIX, *POST_MATRIX]
)
