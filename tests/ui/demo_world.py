"""The demo organisation with what a first hour adds to it: a finished scan of the shop database, risk rows,
a nonconformity, a piece of evidence, a ledger export and sign-ins — so every page has real records to show."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from django.conf import settings

from mamori.accounts.models import User
from mamori.audit import services as audit
from mamori.core import demo
from mamori.discovery import services as discovery
from mamori.discovery.models import DataSource
from mamori.incidents.models import IncidentCase
from mamori.jobs.backends import get_backend
from mamori.jobs.worker import Worker
from mamori.ledger import services as ledger
from mamori.ledger.models import LedgerEntry
from mamori.risk import catalogue
from mamori.risk import services as risk


def run_jobs() -> int:
    """Run every due job in this thread (the test database is only visible here)."""
    return Worker(get_backend(), name="walk-worker", poll_seconds=0).run(burst=True)


def build(django_settings: Any) -> dict[str, Any]:
    """Load the demo and use it a little, as the manager. ``django_settings`` is pytest-django's ``settings``."""
    django_settings.MAMORI_JOBS_BACKEND = "embedded"
    django_settings.MAMORI_JOBS_RETRY_SECONDS = 0
    demo.load_demo()
    shop = Path(settings.DATA_DIR) / "demo"
    django_settings.MAMORI_SCAN_ALLOW = [str(shop), "127.0.0.1", "localhost"]
    manager = User.objects.get(username="manager")
    world: dict[str, Any] = {"manager": manager, "case": IncidentCase.objects.get(title=demo.CASE["title"])}
    source = DataSource.objects.filter(name__startswith="ECサイト").first()
    if source is not None:  # without SQLAlchemy the demo has no data source
        discovery.start_scan(manager, source)
        run_jobs()
        world["source"] = source
    entry = LedgerEntry.objects.order_by("reference").first()
    if entry is not None:
        risk.generate_stage_rows(manager, entry, catalogue.threat_codes()[:1])
    risk.create_nonconformity(manager, title="台帳にないカード情報の保持", description="走査で発見")
    _add_evidence(manager, world["case"])
    ledger.record_export(manager, "csv", LedgerEntry.objects.count())
    audit.record(manager, "login", manager)
    audit.record(None, "login_failed", manager, username="manager", message="wrong password (1 in a row)")
    return world


def _add_evidence(manager: User, case: IncidentCase) -> None:
    try:
        from mamori.evidence import services as evidence
    except ImportError:
        return
    evidence.add_upload(manager, case, io.BytesIO(b"access.log 2018-11-01 ..."), "access.log", reason="保全")
