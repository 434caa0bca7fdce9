"""Readiness is computed from what the company recorded, checked against Mamori's own records."""

from __future__ import annotations

import pytest
from django.utils import timezone

from mamori.discovery.models import DataSource, Scan, ScanFinding, ScanStatus
from mamori.pms import readiness
from mamori.pms.models import Control, ControlStatus


def _set_all(status: str) -> None:
    Control.objects.update(status=status)


@pytest.mark.django_db
def test_nothing_recorded_yet_is_zero_percent_and_every_requirement_is_a_gap() -> None:
    report = readiness.compute()
    assert report.percent == 0
    assert len(report.gaps) == Control.objects.count()


@pytest.mark.django_db
def test_not_applicable_requirements_do_not_count() -> None:
    # given half implemented, the others not applicable except one
    controls = list(Control.objects.order_by("order"))
    for i, control in enumerate(controls):
        control.status = ControlStatus.IMPLEMENTED if i % 2 == 0 else ControlStatus.NOT_APPLICABLE
        control.evidence_sources = []  # no record checks: the company's word only
        control.save()
    Control.objects.filter(pk=controls[1].pk).update(status=ControlStatus.IN_PROGRESS)
    # when
    report = readiness.compute()
    # then
    applicable = sum(1 for i in range(len(controls)) if i % 2 == 0) + 1
    assert (report.ready, report.applicable) == (applicable - 1, applicable)
    assert report.percent == round(100 * (applicable - 1) / applicable)
    assert [row.control.pk for row in report.gaps] == [controls[1].pk]


@pytest.mark.django_db
def test_implemented_on_paper_but_card_data_found_is_a_gap() -> None:
    # given the security-measures requirement marked implemented
    Control.objects.filter(key="security-measures").update(status=ControlStatus.IMPLEMENTED)
    # and the latest scan of the shop server found a stored security code
    source = DataSource.objects.create(name="shop", kind="files", location="/srv/shop")
    scan = Scan.objects.create(source=source, status=ScanStatus.SUCCEEDED, finished_at=timezone.now())
    ScanFinding.objects.create(scan=scan, type="card_security_code", severity="critical", data_class="prohibited")
    # when
    report = readiness.compute()
    row = next(r for r in report.rows if r.control.key == "security-measures")
    # then it does not count as ready, and the page can say why
    assert row.contradicted and row in report.gaps
    failing = [c for c in row.checks if c.ok is False]
    assert any("1" in c.detail for c in failing)


@pytest.mark.django_db
def test_the_audit_manager_must_be_someone_else_than_the_manager(manager, auditor) -> None:
    # given both roles held by different people
    checks = readiness.CHECKS["users"](timezone.localdate())
    # then both checks pass
    assert [c.ok for c in checks] == [True, True]
