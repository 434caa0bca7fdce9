"""``mamori worker`` as the operator runs it: a separate process on a real SQLite database file.

A job survives the worker being stopped (SIGTERM hands it back) or killed (its lease expires), and the
next worker finishes it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

pytestmark = pytest.mark.slow

MAMORI = [sys.executable, "-m", "mamori.cli"]
REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(params=["embedded", pytest.param("redis", marks=pytest.mark.redis)])
def env(request, tmp_path) -> Iterator[dict[str, str]]:
    """The environment of an operator's shell: a fresh SQLite file, leases of two seconds, either backend."""
    values = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "MAMORI_JOBS_BACKEND"}}
    values.update(
        {
            "MAMORI_DATA_DIR": str(tmp_path / "data"),
            "DJANGO_SETTINGS_MODULE": "mamori.settings",
            "MAMORI_JOBS_BACKEND": request.param,
            "MAMORI_JOBS_LEASE_SECONDS": "2",
            "MAMORI_JOBS_POLL_SECONDS": "1",
        }
    )
    if request.param == "redis":
        backend = request.getfixturevalue("redis_backend")  # checks the server, cleans up the prefix afterwards
        values["REDIS_URL"] = REDIS_URL
        values["MAMORI_JOBS_REDIS_PREFIX"] = backend.queue_key.removesuffix("queue")
    subprocess.run([*MAMORI, "migrate", "-v", "0"], env=values, check=True, timeout=120)
    yield values


def shell(env: dict[str, str], code: str) -> str:
    done = subprocess.run(
        [*MAMORI, "shell", "-v", "0", "-c", code], env=env, check=True, timeout=60, capture_output=True, text=True
    )
    return done.stdout.strip()


def enqueue(env: dict[str, str], name: str, **kwargs: object) -> str:
    return shell(
        env,
        "from mamori.jobs.services import enqueue; from mamori.accounts.policy import SYSTEM; "
        f"print(enqueue(SYSTEM, {name!r}, **{kwargs!r}).pk)",
    )


def status(env: dict[str, str], job_id: str) -> str:
    return shell(
        env, f"from mamori.jobs.models import Job; j = Job.objects.get(pk={job_id!r}); print(j.status, j.attempts)"
    )


def wait_for(env: dict[str, str], job_id: str, wanted: str, seconds: float = 20) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        now = status(env, job_id)
        if now.startswith(wanted):
            return now
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} never became {wanted}; it is {now}")


def test_worker_burst_runs_the_queued_jobs_and_exits_zero(env):
    job_id = enqueue(env, "system.noop", note="hello")

    done = subprocess.run([*MAMORI, "worker", "--burst"], env=env, capture_output=True, text=True, timeout=60)

    assert done.returncode == 0, done.stderr
    assert "stopped after 1 job(s)" in done.stdout
    assert status(env, job_id) == "succeeded 1"


def test_a_job_survives_a_stopped_and_a_killed_worker_and_completes_once(env):
    # given a job of three seconds (it reports progress every half second) running in a worker
    job_id = enqueue(env, "system.sleep", seconds=3, steps=6)
    shell(env, f"from mamori.jobs.models import Job; Job.objects.filter(pk={job_id!r}).update(max_attempts=3)")
    worker = start_worker(env)
    wait_for(env, job_id, "running")
    # when SIGTERM stops the worker, it hands the job back without counting the attempt
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=20) == 0
    assert status(env, job_id) == "queued 0"
    # and when the next worker is killed outright mid-job, the job stays running until its lease expires
    worker = start_worker(env)
    wait_for(env, job_id, "running 1")
    worker.kill()
    worker.wait(timeout=20)
    assert status(env, job_id) == "running 1"
    time.sleep(2.5)
    # then a new worker takes it over and runs it to completion, exactly once
    done = subprocess.run([*MAMORI, "worker", "--burst"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "stopped after 1 job(s)" in done.stdout
    assert status(env, job_id) == "succeeded 2"


def start_worker(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*MAMORI, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True
    )


def test_a_job_killed_on_its_last_attempt_fails_at_once_when_the_next_worker_starts(env):
    # given a job with one attempt running in a worker that is then killed outright
    job_id = enqueue(env, "system.sleep", seconds=30, steps=60)
    worker = start_worker(env)
    wait_for(env, job_id, "running 1")
    worker.kill()
    worker.wait(timeout=20)
    # when the next worker starts (long before the lease would expire)
    done = subprocess.run([*MAMORI, "worker", "--burst"], env=env, capture_output=True, text=True, timeout=60)
    # then the job failed at once with the reason, and the worker said so
    assert done.returncode == 0, done.stderr
    assert "1 failed" in done.stdout
    assert status(env, job_id) == "failed 1"
    error = shell(env, f"from mamori.jobs.models import Job; print(Job.objects.get(pk={job_id!r}).error)")
    # (stored in the installation's language, Japanese)
    assert "ワーカーが停止しました" in error and "再起動" in error
