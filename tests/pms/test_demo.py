"""The demo shows one PMS year in progress, with something to act on in every part."""

from __future__ import annotations

import pytest
from django.utils import timezone

from mamori.accounts.policy import SYSTEM
from mamori.core.demo import load_demo
from mamori.pms import readiness
from mamori.pms.models import AuditItem, AuditResult, Document, ManagementReview, SubjectRequest
from mamori.pms.services_training import fiscal_year, standings


@pytest.mark.django_db
def test_the_demo_year_has_gaps_to_close_in_every_part() -> None:
    # when the demo is loaded
    load_demo()
    today = timezone.localdate()
    report = readiness.compute()
    # then the security measures are marked implemented yet contradicted by the demo scan's card data
    security = next(r for r in report.rows if r.control.key == "security-measures")
    assert security.contradicted
    # and training is overdue for someone, the audit found a nonconformity, a draft rule awaits approval,
    # a request awaits its answer, and this year's review is prepared
    assert any(line.overdue for line in standings(SYSTEM, fiscal_year(today), today))
    assert report.percent < 50
    assert AuditItem.objects.filter(result=AuditResult.NONCONFORMITY).exists()
    assert Document.objects.get(number="R-002").current_version() is None
    assert SubjectRequest.objects.filter(answered_on__isnull=True).exists()
    assert ManagementReview.objects.count() == 1


@pytest.mark.django_db
def test_loading_the_demo_again_leaves_the_pms_records_alone() -> None:
    load_demo()
    counts = (Document.objects.count(), SubjectRequest.objects.count(), ManagementReview.objects.count())
    load_demo()
    assert (Document.objects.count(), SubjectRequest.objects.count(), ManagementReview.objects.count()) == counts
