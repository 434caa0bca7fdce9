"""Background tasks of discovery.

``discovery.scan`` runs one queued scan and reports its progress; ``discovery.test_connection`` tests a data
source's connection, so that no web thread ever waits on a target. A scan whose job ends without finishing it
(failed for good, cancelled, or left by a worker that died) is marked failed with the reason at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mamori.jobs.context import JobContext
from mamori.jobs.registry import at_startup, task
from mamori.jobs.worker import PermanentError


def _scan_ended(args: Mapping[str, Any], reason: str) -> None:
    from mamori.discovery import services

    services.fail_scan(args.get("scan_id"), reason)


@task("discovery.scan", max_attempts=1, on_failure=_scan_ended)
def scan(ctx: JobContext, *, scan_id: int) -> dict[str, Any]:
    from mamori.discovery import services

    ctx.progress(0, "starting")
    done = services.run_scan(scan_id, ctx.progress)
    ctx.progress(100, done.status)
    return {"scan": done.pk, "status": done.status, "findings": done.findings_count}


@task("discovery.test_connection", max_attempts=1)
def test_connection(ctx: JobContext, *, source_id: int) -> dict[str, Any]:
    """The result is the job's: succeeded with ``{"ok": true, "message": ...}``, or failed with the reason."""
    from mamori.accounts.policy import SYSTEM
    from mamori.discovery import services
    from mamori.discovery.models import DataSource

    source = DataSource.objects.filter(pk=source_id).first()
    if source is None:
        raise PermanentError(f"data source {source_id} no longer exists")
    result = services.test_connection(SYSTEM, source)
    if not result.ok:
        raise PermanentError(result.message)
    return {"ok": True, "message": result.message}


@at_startup
def settle_orphaned_scans() -> None:
    from mamori.discovery import services

    services.fail_orphaned_scans()
