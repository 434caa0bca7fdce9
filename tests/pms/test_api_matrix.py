"""Every read-only PMS record endpoint × every role: the same statuses as the pages of the same records. The
management system's keepers (top management, the protection manager, the internal auditor) read everything they read
on the pages; staff read the training plan and their own records, documents in force, requests and complaints;
contractor users and investigators read nothing (403 for a list, 404 for a record). Nothing here writes (405)."""

from __future__ import annotations

import datetime as dt

import pytest

from mamori.pms.models import (
    AuditItem,
    AuditPlan,
    Control,
    Course,
    Document,
    DocumentKind,
    DocumentVersion,
    ManagementReview,
    TrainingRecord,
)
from tests.matrix import ROLES, matrix_tests
from tests.pms.helpers import desk_records

ALL_INTERNAL = (200, 200, 200, 200, 403, 403, 403)
ALL_INTERNAL_ONE = (200, 200, 200, 200, 404, 404, 404)
KEEPERS = (200, 200, 200, 403, 403, 403, 403)
KEEPERS_ONE = (200, 200, 200, 404, 404, 404, 404)
READ_ONLY = (405,) * 7

GET_MATRIX: dict[str, tuple[int, ...]] = {
    "/api/v1/training-courses/": ALL_INTERNAL,
    "/api/v1/training-courses/?fiscal_year=2026": ALL_INTERNAL,
    "/api/v1/training-courses/{course}/": ALL_INTERNAL_ONE,
    "/api/v1/training-records/": ALL_INTERNAL,
    "/api/v1/training-records/{own_record}/": ALL_INTERNAL_ONE,  # the staff member's own record
    "/api/v1/training-records/{other_record}/": KEEPERS_ONE,  # someone else's: not for staff
    "/api/v1/internal-audits/": KEEPERS,
    "/api/v1/internal-audits/{plan}/": KEEPERS_ONE,
    "/api/v1/management-reviews/": KEEPERS,
    "/api/v1/management-reviews/{review}/": KEEPERS_ONE,
    "/api/v1/documents/": ALL_INTERNAL,
    "/api/v1/documents/{document}/": ALL_INTERNAL_ONE,  # in force
    "/api/v1/documents/{draft_document}/": KEEPERS_ONE,  # a draft only: not for staff
    "/api/v1/subject-requests/": ALL_INTERNAL,
    "/api/v1/subject-requests/{request}/": ALL_INTERNAL_ONE,
    "/api/v1/complaints/": ALL_INTERNAL,
    "/api/v1/complaints/{complaint}/": ALL_INTERNAL_ONE,
}

POST_MATRIX: dict[str, tuple[int, ...]] = {
    "/api/v1/training-courses/": READ_ONLY,
    "/api/v1/training-records/": READ_ONLY,
    "/api/v1/internal-audits/": READ_ONLY,
    "/api/v1/management-reviews/": READ_ONLY,
    "/api/v1/documents/": READ_ONLY,
    "/api/v1/subject-requests/": READ_ONLY,
    "/api/v1/complaints/": READ_ONLY,
}


@pytest.fixture
def world(request, db):
    users = {name: request.getfixturevalue(name) for name in ROLES}
    control = Control.objects.get(key="identification")
    course = Course.objects.create(title="個人情報保護教育", fiscal_year=2026, due_date=dt.date(2027, 3, 31))
    own = TrainingRecord.objects.create(course=course, user=users["staff"], completed_on=dt.date(2026, 10, 1), score=90)
    other = TrainingRecord.objects.create(
        course=course, user=users["auditor"], completed_on=dt.date(2026, 10, 1), score=90
    )
    plan = AuditPlan.objects.create(
        title="定期監査",
        fiscal_year=2026,
        planned_from=dt.date(2026, 10, 1),
        planned_to=dt.date(2026, 10, 31),
        lead_auditor=users["auditor"],
    )
    AuditItem.objects.create(plan=plan, control=control)
    review = ManagementReview.objects.create(period_from=dt.date(2026, 4, 1), period_to=dt.date(2027, 3, 31))
    document = Document.objects.create(number="R-001", title="個人情報保護規程", kind=DocumentKind.RULE)
    DocumentVersion.objects.create(document=document, version="1.0", approved_at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
    draft_document = Document.objects.create(number="R-002", title="委託先管理規程", kind=DocumentKind.RULE)
    DocumentVersion.objects.create(document=draft_document, version="0.1")
    request_, complaint = desk_records()
    ids = {
        "course": course.pk,
        "own_record": own.pk,
        "other_record": other.pk,
        "plan": plan.pk,
        "review": review.pk,
        "document": document.pk,
        "draft_document": draft_document.pk,
        "request": request_.pk,
        "complaint": complaint.pk,
    }
    return users, ids


test_get_access, test_post_access, test_anonymous_visitors_are_sent_to_sign_in = matrix_tests(
    GET_MATRIX, POST_MATRIX, [*GET_MATRIX, *POST_MATRIX]
)
