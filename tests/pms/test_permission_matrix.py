"""Every requirements page × every role: the management-system records are for the protection manager (who edits
them), top management and the internal audit manager (who read and export them); nobody else sees them."""

from __future__ import annotations

import datetime as dt

import pytest

from mamori.pms.models import (
    AuditItem,
    AuditPlan,
    Control,
    ControlEvidence,
    Course,
    Document,
    DocumentKind,
    DocumentVersion,
    ManagementReview,
)
from tests.matrix import ROLES, matrix_tests
from tests.pms.helpers import desk_records

GET_MATRIX: dict[str, tuple[int, ...]] = {
    "/pms/": (302, 302, 302, 302, 403, 403, 403),
    "/pms/requirements/": (200, 200, 200, 403, 403, 403, 403),
    "/pms/requirements/?status=implemented&gaps=on": (200, 200, 200, 403, 403, 403, 403),
    "/pms/readiness/": (200, 200, 200, 403, 403, 403, 403),
    "/pms/readiness.xlsx": (200, 200, 200, 403, 403, 403, 403),
    "/pms/readiness.pdf": (200, 200, 200, 403, 403, 403, 403),
    "/pms/requirements/{control}/": (200, 200, 200, 404, 404, 404, 404),
    "/pms/requirements/99999/": (404, 404, 404, 404, 404, 404, 404),
    "/pms/requirements/{control}/edit/": (403, 200, 403, 404, 404, 404, 404),
    "/pms/requirements/evidence/{evidence}/archive/": (403, 200, 403, 404, 404, 404, 404),
    "/api/v1/controls/": (200, 200, 200, 403, 403, 403, 403),
    "/api/v1/controls/readiness/": (200, 200, 200, 403, 403, 403, 403),
    "/api/v1/controls/{control}/": (200, 200, 200, 404, 404, 404, 404),
    "/pms/training/": (200, 200, 200, 200, 403, 403, 403),
    "/pms/training/?year=abc": (200, 200, 200, 200, 403, 403, 403),
    "/pms/training/new/": (403, 200, 403, 403, 403, 403, 403),
    "/pms/training/certificates.xlsx": (200, 200, 200, 403, 403, 403, 403),
    "/pms/training/{course}/": (200, 200, 200, 200, 404, 404, 404),
    "/pms/training/{course}/edit/": (403, 200, 403, 403, 404, 404, 404),
    "/pms/training/{course}/archive/": (403, 200, 403, 403, 404, 404, 404),
    "/pms/audits/": (200, 200, 200, 403, 403, 403, 403),
    "/pms/audits/new/": (403, 403, 200, 403, 403, 403, 403),
    "/pms/audits/{plan}/": (200, 200, 200, 404, 404, 404, 404),
    "/pms/audits/{plan}/edit/": (403, 403, 200, 404, 404, 404, 404),
    "/pms/audits/items/{item}/": (403, 403, 200, 404, 404, 404, 404),
    "/pms/reviews/": (200, 200, 200, 403, 403, 403, 403),
    "/pms/reviews/{review}/": (200, 200, 200, 404, 404, 404, 404),
    "/pms/documents/": (200, 200, 200, 200, 403, 403, 403),
    "/pms/documents/new/": (403, 200, 403, 403, 403, 403, 403),
    "/pms/documents/{document}/": (200, 200, 200, 404, 404, 404, 404),  # a draft: staff read only what is in force
    "/pms/documents/{document}/edit/": (403, 200, 403, 403, 404, 404, 404),
    "/pms/documents/{document}/withdraw/": (403, 200, 403, 403, 404, 404, 404),
    "/pms/requests/": (200, 200, 200, 200, 403, 403, 403),
    "/pms/requests/new/": (403, 200, 403, 200, 403, 403, 403),
    "/pms/requests/{request}/": (200, 200, 200, 200, 404, 404, 404),
    "/pms/complaints/": (200, 200, 200, 200, 403, 403, 403),
    "/pms/complaints/new/": (403, 200, 403, 200, 403, 403, 403),
    "/pms/complaints/{complaint}/": (200, 200, 200, 200, 404, 404, 404),
}

POST_MATRIX: dict[str, tuple[int, ...]] = {
    "/pms/requirements/{control}/edit/": (403, 200, 403, 404, 404, 404, 404),  # 200: nothing sent, the form again
    "/pms/requirements/{control}/evidence/": (403, 400, 403, 404, 404, 404, 404),  # 400: nothing sent
    "/pms/requirements/evidence/{evidence}/archive/": (
        403,
        200,
        403,
        404,
        404,
        404,
        404,
    ),  # 200: nothing sent, the form again
    "/pms/training/{course}/attendance/": (403, 400, 403, 403, 404, 404, 404),  # 400: nothing sent
    "/pms/audits/{plan}/report/": (403, 403, 400, 404, 404, 404, 404),  # 400: no summary
    "/pms/audits/items/{item}/nonconformity/": (403, 400, 403, 404, 404, 404, 404),  # 400: not a nonconformity
    "/pms/reviews/": (403, 200, 403, 403, 403, 403, 403),  # 200: nothing sent, the form again
    "/pms/reviews/{review}/": (403, 302, 403, 404, 404, 404, 404),
    "/pms/reviews/{review}/gather/": (403, 302, 403, 404, 404, 404, 404),
    "/pms/reviews/{review}/approve/": (400, 403, 403, 404, 404, 404, 404),  # 400: no minutes yet
    "/pms/documents/{document}/": (403, 400, 403, 404, 404, 404, 404),  # 400: no version label
    # a rule: approved by the protection manager only, whatever else top management may approve
    "/pms/documents/versions/{version}/approve/": (403, 302, 403, 403, 404, 404, 404),
    "/pms/requests/{request}/identity/": (403, 400, 403, 403, 404, 404, 404),  # 400: nothing sent
    "/pms/requests/{request}/answer/": (403, 400, 403, 403, 404, 404, 404),  # 400: nothing sent
    "/pms/complaints/{complaint}/handle/": (403, 400, 403, 403, 404, 404, 404),  # 400: nothing sent
    "/pms/complaints/{complaint}/nonconformity/": (403, 302, 403, 403, 404, 404, 404),
}


@pytest.fixture
def world(request, db):
    users = {name: request.getfixturevalue(name) for name in ROLES}
    control = Control.objects.get(key="identification")
    evidence = ControlEvidence.objects.create(control=control, label="台帳 2026年度版")
    course = Course.objects.create(title="個人情報保護教育", fiscal_year=2026, due_date=dt.date(2027, 3, 31))
    plan = AuditPlan.objects.create(
        title="定期監査",
        fiscal_year=2026,
        planned_from=dt.date(2026, 10, 1),
        planned_to=dt.date(2026, 10, 31),
        lead_auditor=users["auditor"],
    )
    item = AuditItem.objects.create(plan=plan, control=control)
    review = ManagementReview.objects.create(period_from=dt.date(2026, 4, 1), period_to=dt.date(2027, 3, 31))
    ids = {"control": control.pk, "evidence": evidence.pk, "course": course.pk, "plan": plan.pk, "item": item.pk}
    document = Document.objects.create(number="R-001", title="個人情報保護規程", kind=DocumentKind.RULE)
    version = DocumentVersion.objects.create(document=document, version="1.0")
    request_, complaint = desk_records()
    ids |= {"document": document.pk, "version": version.pk, "request": request_.pk, "complaint": complaint.pk}
    return users, {**ids, "review": review.pk}


test_get_access, test_post_access, test_anonymous_visitors_are_sent_to_sign_in = matrix_tests(
    GET_MATRIX, POST_MATRIX, [*GET_MATRIX, *POST_MATRIX]
)
