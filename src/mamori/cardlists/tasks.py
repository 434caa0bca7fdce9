"""Background task of the cardlists app: ``cardlists.match`` runs one queued matching run."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mamori.jobs.context import JobContext
from mamori.jobs.registry import at_startup, task


def _run_ended(args: Mapping[str, Any], reason: str) -> None:
    from mamori.cardlists import services

    services.fail_run(args.get("run_id"), reason)


@task("cardlists.match", max_attempts=1, on_failure=_run_ended)
def match(ctx: JobContext, *, run_id: int) -> dict[str, Any]:
    from mamori.cardlists import services

    ctx.progress(0, "starting")
    run = services.run_matching(run_id, ctx.progress)
    ctx.progress(100, run.status)
    return {"run": run.pk, "matches": run.matches_count, "people": run.people_linked}


@at_startup
def settle_orphaned_runs() -> None:
    from mamori.cardlists import services

    services.fail_orphaned_runs()
    services.fail_stale_imports()
    services.remove_stale_temp_files()
