"""Preserve now × every role: only the protection manager may open the page, start a preservation or watch
one. ``{case}`` is alice's contractor's case (ivy is invited to it), ``{internal}`` the company's own."""

from __future__ import annotations

import pytest

import mamori.evidence.tasks_preserve  # noqa: F401 - registers evidence.preserve (until evidence/tasks.py does)
from mamori.accounts.policy import SYSTEM
from mamori.evidence import preserve
from tests.matrix import ROLES, matrix_tests

#                                                       president manager auditor staff alice bob  ivy
GET_MATRIX: dict[str, tuple[int, ...]] = {
    "/evidence/cases/{case}/preserve/": (403, 200, 403, 403, 403, 404, 403),
    "/evidence/cases/{internal}/preserve/": (403, 200, 403, 403, 404, 404, 404),
    "/evidence/cases/{case}/preserve/{job}/": (403, 200, 403, 403, 403, 404, 403),
    # a job of another case is no preservation of this one
    "/evidence/cases/{internal}/preserve/{job}/": (403, 404, 403, 403, 404, 404, 404),
    "/evidence/cases/{case}/preserve/00000000-0000-0000-0000-000000000001/": (403, 404, 403, 403, 403, 404, 403),
    "/evidence/cases/{case}/preserve/not-a-job/": (403, 404, 403, 403, 403, 404, 403),
}

POST_MATRIX: dict[str, tuple[int, ...]] = {
    # an empty form: the manager gets the page again with the error (400); nobody else gets that far
    "/evidence/cases/{case}/preserve/": (403, 400, 403, 403, 403, 404, 403),
    "/evidence/cases/{internal}/preserve/": (403, 400, 403, 403, 404, 404, 404),
}


@pytest.fixture
def world(request, server_case, internal_case, invited, tmp_path, settings):
    settings.MAMORI_SCAN_ALLOW = [str(tmp_path)]
    (tmp_path / "logs").mkdir()
    users = {name: request.getfixturevalue(name) for name in ROLES}
    job = preserve.start_preservation(SYSTEM, server_case, paths=[str(tmp_path / "logs")])
    return users, {"case": server_case.pk, "internal": internal_case.pk, "job": job.pk}


test_get_access, test_post_access, test_anonymous_visitors_are_sent_to_sign_in = matrix_tests(
    GET_MATRIX, POST_MATRIX, [*GET_MATRIX, *POST_MATRIX]
)
