"""A scan never stays "running" after its worker died or its job ended: start-up settles it with the reason."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys

from django.utils import timezone

from mamori.accounts.policy import SYSTEM
from mamori.discovery import services
from mamori.discovery.models import Scan, ScanStatus
from mamori.jobs import services as job_services
from mamori.jobs.models import Job, Status
from mamori.jobs.recovery import recover


def dead_pid() -> int:
    """The id of a process that has just exited (and was reaped)."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


def running(scan: Scan, owner: str, expires_in: float = 300, attempts: int = 1) -> None:
    """The state a worker leaves behind mid-scan: the job leased and running, the scan at 10%."""
    Job.objects.filter(pk=scan.job_id).update(
        status=Status.RUNNING,
        attempts=attempts,
        lease_owner=owner,
        lease_expires_at=timezone.now() + dt.timedelta(seconds=expires_in),
        progress=10,
    )
    Scan.objects.filter(pk=scan.pk).update(status=ScanStatus.RUNNING, started_at=timezone.now())


def test_a_scan_left_running_by_a_dead_worker_fails_at_once_when_a_worker_starts(shop_source, manager, client_for):
    # given a scan at 10% whose worker process was killed (its lease still has minutes to run)
    scan = services.start_scan(SYSTEM, shop_source)
    running(scan, f"{socket.gethostname()}:{dead_pid()}:deadbeef")
    # when a worker (or the server with its embedded worker) starts
    recovered = recover()
    # then the job and the scan are failed now, with the reason and the time of the restart
    assert recovered.failed == 1
    job = Job.objects.get(pk=scan.job_id)
    scan.refresh_from_db()
    assert job.status == Status.FAILED and "worker stopped" in job.error and "restart at" in job.error
    assert scan.status == ScanStatus.FAILED and scan.error == job.error and scan.finished_at is not None
    # and the page and the API say so
    client = client_for(manager)
    page = client.get(f"/discovery/scans/{scan.pk}/").content.decode()
    assert "Failed" in page and "worker stopped" in page and 'hx-trigger="every 2s"' not in page
    api = client.get(f"/api/v1/scans/{scan.pk}/").json()
    assert api["status"] == "failed" and "worker stopped" in api["error"]


def test_a_scan_of_a_live_worker_or_another_machine_is_left_alone(shop_source):
    # given two running scans: one of this (live) process, one leased on another machine
    mine = services.start_scan(SYSTEM, shop_source)
    running(mine, f"{socket.gethostname()}:{os.getpid()}:cafe")
    other = services.start_scan(SYSTEM, shop_source)
    running(other, f"some-other-host:{dead_pid()}:cafe")
    # when a worker starts
    recover()
    # then both still run
    assert set(Scan.objects.values_list("status", flat=True)) == {ScanStatus.RUNNING}


def test_a_scan_whose_lease_expired_learns_that_its_job_failed(shop_source):
    scan = services.start_scan(SYSTEM, shop_source)
    running(scan, "some-other-host:1:cafe", expires_in=-1)
    recover()
    scan.refresh_from_db()
    assert scan.status == ScanStatus.FAILED and "lease expired" in scan.error


def test_a_cancelled_scan_job_fails_the_scan(shop_source):
    scan = services.start_scan(SYSTEM, shop_source)
    job_services.cancel(SYSTEM, Job.objects.get(pk=scan.job_id))
    scan.refresh_from_db()
    assert scan.status == ScanStatus.FAILED and "cancelled by system" in scan.error


def test_a_scan_whose_job_ended_earlier_is_settled_at_start_up(shop_source):
    # given a scan still "queued" although its job failed long ago (before Mamori knew to tell the scan)
    scan = services.start_scan(SYSTEM, shop_source)
    Job.objects.filter(pk=scan.job_id).update(status=Status.FAILED, error="The worker stopped (old).")
    # when a worker starts
    recover()
    # then the scan carries the job's reason
    scan.refresh_from_db()
    assert scan.status == ScanStatus.FAILED and scan.error == "The worker stopped (old)."
