"""Every notice page and endpoint × every role: the protection manager sends and exports; top management and
internal audit read; staff, contractor users and investigators have nothing to do with notices (403 where they
may see the case, 404 for the campaigns themselves, which they may not know exist)."""

from __future__ import annotations

import pytest

from mamori.accounts.policy import SYSTEM
from mamori.notices import services
from mamori.notices.models import Channel
from tests.matrix import ROLES, matrix_tests

R = (200, 200, 200, 404, 404, 404, 404)  # readers
M = (403, 200, 403, 404, 404, 404, 404)  # the manager only
P = (403, 302, 403, 404, 404, 404, 404)  # a form post of the manager (redirect back with a message)

GET_MATRIX: dict[str, tuple[int, ...]] = {
    # president, manager, auditor, staff, alice (the case's contractor), bob (another contractor), ivy (invited)
    "/notices/case/{server_case}/": (200, 200, 200, 403, 403, 404, 403),
    "/notices/case/{internal_case}/": (200, 200, 200, 403, 404, 404, 404),
    "/notices/case/99999/": (404, 404, 404, 404, 404, 404, 404),
    "/notices/{email}/": R,
    "/notices/{email}/?status=failed&page=2": R,
    "/notices/{email}/progress/": R,
    "/notices/{email}/edit/": M,
    "/notices/{email}/no-contact.csv": M,
    "/notices/{letter}/letters.pdf": M,
    "/notices/{letter}/letters.pdf?part=9": (403, 404, 403, 404, 404, 404, 404),  # no such part
    "/notices/{letter}/letters.csv": M,
    "/notices/{email}/letters.pdf": (403, 404, 403, 404, 404, 404, 404),  # not a letter campaign
    "/notices/99999/": (404, 404, 404, 404, 404, 404, 404),
    "/notices/deliveries/{delivery}/": R,
    "/api/v1/notice-campaigns/": (200, 200, 200, 403, 403, 403, 403),
    "/api/v1/notice-campaigns/?case={server_case}": (200, 200, 200, 403, 403, 403, 403),
    "/api/v1/notice-campaigns/{email}/": R,
    "/api/v1/notice-campaigns/{email}/deliveries/": R,
}

POST_MATRIX: dict[str, tuple[int, ...]] = {
    "/notices/case/{server_case}/new/": (403, 302, 403, 403, 403, 404, 403),
    "/notices/{email}/start/": P,
    "/notices/{email}/pause/": P,
    "/notices/{email}/retry/": P,
    "/notices/{email}/bounces/": P,
    "/notices/{email}/archive/": P,
    "/notices/{letter}/posted/": P,
    "/notices/{email}/edit/": (403, 400, 403, 404, 404, 404, 404),  # 400: an empty form
    "/notices/deliveries/{delivery}/": P,
    "/notices/{email}/progress/": (405, 405, 405, 405, 405, 405, 405),
    "/api/v1/notice-campaigns/{email}/start/": (403, 400, 403, 404, 404, 404, 404),  # 400: items to fill in
    "/api/v1/notice-campaigns/{email}/pause/": (403, 400, 403, 404, 404, 404, 404),  # 400: not sending
    "/api/v1/notice-campaigns/{email}/retry/": (403, 200, 403, 404, 404, 404, 404),
}


@pytest.fixture
def world(request, scoped_case, internal_case, invited):
    users = {name: request.getfixturevalue(name) for name in ROLES}
    email = services.create_campaign(SYSTEM, scoped_case, channel=Channel.EMAIL)
    letter = services.create_campaign(SYSTEM, scoped_case, channel=Channel.LETTER)
    ids = {
        "server_case": scoped_case.pk,
        "internal_case": internal_case.pk,
        "email": email.pk,
        "letter": letter.pk,
        "delivery": email.deliveries.order_by("pk").first().pk,
    }
    return users, ids


test_get_access, test_post_access, test_anonymous_visitors_are_sent_to_sign_in = matrix_tests(
    GET_MATRIX, POST_MATRIX, [*GET_MATRIX, *POST_MATRIX]
)
