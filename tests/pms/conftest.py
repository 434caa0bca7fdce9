"""The requirements catalogue is loaded by a data migration; a transactional test elsewhere in the run empties the
tables afterwards, so the PMS tests put it back when it is missing."""

from __future__ import annotations

import pytest
from django.utils import timezone


@pytest.fixture(autouse=True)
def _catalogue(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("django_db") is None and "db" not in request.fixturenames:
        return
    from mamori.pms import catalogue
    from mamori.pms.models import Control

    if not Control.objects.exists():
        catalogue.apply(catalogue.read(), timezone.now())
