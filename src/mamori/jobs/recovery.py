"""Start-up recovery (再起動時の後始末): jobs a dead worker left "running" are settled at once.

A worker names itself ``host:pid:random`` in the lease it holds. When a worker (``mamori worker``) or the web
server with its embedded worker starts, every running job leased by a process of *this* machine that no
longer exists is settled now rather than when its lease expires: a job on its last attempt fails with the
reason (its task's failure hook tells the record it works on, e.g. the scan), an earlier attempt is queued
again. Jobs leased on other machines are left to their lease. Then each app's start-up function runs
(``registry.at_startup``), so records whose job ended without them learning it are settled too.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from mamori.jobs import leases, registry
from mamori.jobs.models import Job, Status

log = logging.getLogger("mamori.jobs")


@dataclass(frozen=True)
class Recovered:
    failed: int
    requeued: int


def recover(now: dt.datetime | None = None) -> Recovered:
    """Settle the running jobs of dead workers of this machine, then run the apps' start-up functions."""
    now = now or timezone.now()
    dead = [job.pk for job in Job.objects.filter(status=Status.RUNNING).only("pk", "lease_owner") if _dead(job)]
    stamp = date_format(timezone.localtime(now), "Y-m-d H:i:s")
    reason = _("The worker stopped while this job was running (restart at %(time)s).") % {"time": stamp}
    last = Job.objects.filter(pk__in=dead, attempts__gte=F("max_attempts"))
    failed = leases.fail_jobs(last, reason, now) + leases.fail_abandoned(now)
    requeued = leases.requeue_jobs(Job.objects.filter(pk__in=dead), reason, now)
    for func in registry.startup_functions():
        try:
            func()
        except Exception:
            log.exception("jobs: start-up function %s failed", getattr(func, "__qualname__", func))
    if failed or requeued:
        log.warning("jobs: jobs of stopped workers: %d failed, %d queued again", failed, requeued)
    return Recovered(failed, requeued)


def _dead(job: Job) -> bool:
    """True when the lease names a process of this machine that no longer exists."""
    host, _sep, rest = job.lease_owner.partition(":")
    pid_text = rest.split(":", 1)[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False  # a worker thread of this very process may hold it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # someone else's live process
    return False
