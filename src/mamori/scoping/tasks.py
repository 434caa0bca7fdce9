"""Background task of scoping: ``scoping.run`` runs one queued scoping. A scoping whose job ends without
finishing it (failed for good, cancelled, or left by a worker that died) is marked failed with the reason."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mamori.jobs.context import JobContext
from mamori.jobs.registry import at_startup, task


def _ended(args: Mapping[str, Any], reason: str) -> None:
    from mamori.scoping import services

    services.fail_scoping(args.get("scoping_id"), reason)


@task("scoping.run", max_attempts=1, on_failure=_ended)
def run(ctx: JobContext, *, scoping_id: int) -> dict[str, Any]:
    from mamori.scoping import services

    ctx.progress(0, "starting")
    done = services.run_scoping(scoping_id, ctx.progress)
    ctx.progress(100, done.status)
    return {"scoping": done.pk, "status": done.status, "people": done.people_count}


@at_startup
def settle_orphaned_scopings() -> None:
    from mamori.scoping import services

    services.fail_orphaned()
