"""The demo: the server contractor handles the shop's card data under a contract without incident clauses, so the
app warns about it — the 2018 situation a new user should see first."""

from __future__ import annotations

import pytest

from mamori.accounts.models import User
from mamori.contractors import services
from mamori.core.demo import load_demo


@pytest.mark.django_db
def test_the_demo_contractor_is_warned_about_its_missing_incident_clauses():
    # given
    load_demo()
    manager = User.objects.get(username="manager")
    # when
    found = {(w.contractor_name, w.kind) for w in services.warnings(manager)}
    # then
    assert ("株式会社なにわシステムサービス", "incident_clauses") in found
    assert ("株式会社関西ロジスティクス", "review_overdue") in found
    assert ("株式会社関西ロジスティクス", "incident_clauses") not in found


@pytest.mark.django_db
def test_loading_the_demo_twice_adds_no_second_contract():
    load_demo()
    load_demo()
    assert all(c.contracts.count() == 1 for c in services.Contractor.objects.all())
