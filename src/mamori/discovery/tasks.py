"""Background tasks of discovery: ``discovery.scan`` runs one queued scan and reports its progress."""

from __future__ import annotations

from typing import Any

from mamori.jobs.context import JobContext
from mamori.jobs.registry import task


@task("discovery.scan", max_attempts=1)
def scan(ctx: JobContext, *, scan_id: int) -> dict[str, Any]:
    from mamori.discovery import services

    ctx.progress(0, "starting")
    done = services.run_scan(scan_id, ctx.progress)
    ctx.progress(100, done.status)
    return {"scan": done.pk, "status": done.status, "findings": done.findings_count}
