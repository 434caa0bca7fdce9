"""Enqueueing: only registered tasks with arguments the task can take and JSON can store; anything else
is refused with a message that says what is wrong, and nothing is stored."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from mamori.accounts.policy import SYSTEM
from mamori.audit.models import AuditEntry
from mamori.jobs.models import Job, Status
from mamori.jobs.services import cancel, enqueue

pytestmark = pytest.mark.django_db


def assert_nothing_stored() -> None:
    assert not Job.objects.exists()
    assert not AuditEntry.objects.filter(action="job_enqueued").exists()


def test_an_unknown_task_name_is_refused(manager):
    with pytest.raises(ValidationError) as error:
        enqueue(manager, "mail.sned", subject="s", body="b", recipients=["a@example.jp"])

    assert "Unknown task mail.sned" in error.value.messages[0]
    assert "mail.send" in error.value.messages[0]  # the message lists the known tasks
    assert_nothing_stored()


@pytest.mark.parametrize(
    ("value", "why"),
    [
        pytest.param({1, 2}, "set", id="a set"),
        pytest.param(dt.date(2026, 11, 28), "date", id="a date"),
        pytest.param(float("nan"), "NaN", id="not a number"),
    ],
)
def test_arguments_json_cannot_store_are_refused_naming_the_argument(manager, value, why):
    with pytest.raises(ValidationError) as error:
        enqueue(manager, "system.noop", due=value)

    message = error.value.messages[0]
    assert "Argument due of task system.noop cannot be stored as JSON" in message
    assert_nothing_stored()


def test_arguments_the_task_does_not_take_are_refused(manager):
    with pytest.raises(ValidationError) as error:
        enqueue(manager, "system.sleep", seconds=1, colour="red")

    assert "Task system.sleep cannot take these arguments" in error.value.messages[0]
    assert "colour" in error.value.messages[0]
    assert_nothing_stored()


def test_a_missing_required_argument_is_refused(manager):
    with pytest.raises(ValidationError) as error:
        enqueue(manager, "mail.send", subject="s", recipients=["a@example.jp"])

    assert "body" in error.value.messages[0]
    assert_nothing_stored()


def test_mail_to_an_invalid_address_is_refused_when_enqueued(manager):
    with pytest.raises(ValidationError) as error:
        enqueue(manager, "mail.send", subject="s", body="b", recipients=["not-an-address"])

    assert "not-an-address is not a valid e-mail address" in error.value.messages[0]
    assert_nothing_stored()


def test_tuples_are_stored_as_the_lists_the_task_will_receive(manager):
    job = enqueue(manager, "system.noop", ids=(1, 2))

    job.refresh_from_db()
    assert job.args == {"ids": [1, 2]}


def test_the_system_may_cancel_a_queued_job_and_no_worker_runs_it(make_worker):
    # given
    job = enqueue(SYSTEM, "system.noop")
    # when
    cancel(SYSTEM, job)
    # then
    assert make_worker().run(burst=True) == 0
    job.refresh_from_db()
    assert job.status == Status.CANCELLED
    assert AuditEntry.objects.filter(action="job_cancelled", object_id=str(job.pk)).exists()


def test_a_manager_sees_jobs_but_may_not_cancel_them(manager):
    job = enqueue(SYSTEM, "system.noop")

    with pytest.raises(PermissionDenied):
        cancel(manager, job)
    job.refresh_from_db()
    assert job.status == Status.QUEUED


def test_a_finished_job_cannot_be_cancelled(make_worker):
    job = enqueue(SYSTEM, "system.noop")
    make_worker().run(burst=True)

    with pytest.raises(ValidationError, match="already finished"):
        cancel(SYSTEM, job)


def test_a_running_job_that_is_cancelled_stops_at_its_next_progress_report():
    from mamori.jobs import leases
    from mamori.jobs.context import JobContext, JobInterrupted

    # given
    job = enqueue(SYSTEM, "system.sleep", seconds=10)
    assert leases.claim("worker-a", 60) is not None
    ctx = JobContext(job.pk, job.name, 1, "worker-a", 60)
    # when
    cancel(SYSTEM, job)
    # then
    with pytest.raises(JobInterrupted):
        ctx.progress(50)
    assert leases.complete(job.pk, "worker-a", None) is False
    job.refresh_from_db()
    assert job.status == Status.CANCELLED
