"""Small builders shared by the PMS tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import translation
from django.utils.translation import gettext

from mamori.pms import services_audits as audits
from mamori.pms.models import AuditPlan, Complaint, SubjectRequest


def ja(message: str) -> str:
    """``message`` as the Japanese page shows it."""
    with translation.override("ja"):
        return gettext(message)


def planned_audit(auditor: Any, **extra: Any) -> AuditPlan:
    """A November internal audit led by ``auditor`` (``extra`` overrides any field)."""
    data = {
        "title": "2026年度 定期内部監査",
        "fiscal_year": 2026,
        "planned_from": dt.date(2026, 11, 1),
        "planned_to": dt.date(2026, 11, 30),
        "lead_auditor": auditor,
        **extra,
    }
    return audits.create_plan(auditor, data)


def desk_records() -> tuple[SubjectRequest, Complaint]:
    """A disclosure request received by post and a complaint by phone, stored as they are (no service call), for
    the permission matrices."""
    request_ = SubjectRequest.objects.create(
        reference="REQ-2026-001",
        kind="disclosure",
        received_on=dt.date(2026, 11, 1),
        channel="post",
        requester_name="山田 花子",
        due_date=dt.date(2026, 11, 15),
    )
    complaint = Complaint.objects.create(
        reference="CMP-2026-001", received_on=dt.date(2026, 11, 2), channel="phone", summary="メールが届いた"
    )
    return request_, complaint
