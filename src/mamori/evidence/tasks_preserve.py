"""The background job of "Preserve now": ``evidence.preserve`` (see ``preserve.py``).

Registered when this module is imported: ``mamori.evidence.tasks`` (found by the jobs app at start-up)
imports it, so web and worker processes both know the task.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mamori.jobs.context import JobContext
from mamori.jobs.registry import at_startup, task
from mamori.jobs.worker import PermanentError


def _ended(args: Mapping[str, Any], reason: str) -> None:
    from mamori.evidence import preserve

    preserve.preservation_failed(args, reason)


@task("evidence.preserve", max_attempts=1, on_failure=_ended)
def preserve_now(
    ctx: JobContext,
    *,
    case_id: int,
    actor_id: int | None,
    source_id: int | None = None,
    paths: list[str] | None = None,
) -> dict[str, Any]:
    """Copy a data source or files into the locker; the job's result names the evidence and its SHA-256."""
    from mamori.evidence import preserve

    ctx.progress(0, "starting")
    try:
        return preserve.run_preservation(
            case_id=case_id,
            actor_id=actor_id,
            source_id=source_id,
            paths=paths,
            progress=ctx.progress,
            job_id=str(ctx.job_id),
        )
    except preserve.PreservationFailed as exc:
        raise PermanentError(str(exc)) from None


@at_startup
def remove_stale_preservation_files() -> None:
    """A worker that died mid-copy may have left a clear temporary copy behind: remove it at once."""
    from mamori.evidence import preserve

    preserve.remove_stale_temp_files()
