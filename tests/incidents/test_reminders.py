"""E-mail reminders of due dates: N days before and on the day, through the job queue and a real SMTP server,
and never twice — not when run again, not when two runs race (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import socket
import threading
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from mamori.accounts.policy import SYSTEM
from mamori.incidents import reminders, services
from mamori.incidents.models import CaseTask, ReminderSent
from mamori.jobs.backends import get_backend
from mamori.jobs.models import Job
from mamori.jobs.worker import Worker


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_sink(settings) -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1 that keeps what it receives; Django mail goes to it."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.MAMORI_JOBS_BACKEND = "embedded"
    settings.MAMORI_JOBS_RETRY_SECONDS = 0
    try:
        yield inbox
    finally:
        controller.stop()


def _deliver() -> None:
    """Run the queued mail jobs in this thread (the test database is visible here)."""
    Worker(get_backend("embedded"), poll_seconds=0).run(burst=True)


@pytest.fixture
def due_tasks(manager, staff, server_case):
    """Tasks due in 3 days (owned by staff), tomorrow (nobody: the managers), today, in 2 and in 10 days."""
    for user in (manager, staff):
        user.email = f"{user.username}@example.co.jp"
        user.save()
    today = timezone.localdate()

    def task(title: str, days: int, owner=None) -> CaseTask:
        return services.add_task(
            manager, server_case, {"title": title, "due_date": today + dt.timedelta(days), "owner": owner}
        )

    return {
        "in3": task("ログを保全する", 3, staff),
        "in1": task("カード会社へ報告", 1),
        "today": task("委託先に保全を依頼", 0),
        "in10": task("再発防止策", 10),
    }


@pytest.mark.django_db
def test_reminders_go_out_before_and_on_the_due_day_once(smtp_sink, due_tasks, manager, staff, server_case):
    # when
    first = reminders.send_due_reminders()
    _deliver()
    second = reminders.send_due_reminders()
    _deliver()
    # then: three reminders, each once; the 10-day task is not due for one yet
    assert (first, second) == (3, 0)
    by_subject = {m.original_content.decode(): sorted(m.rcpt_tos) for m in smtp_sink.messages}
    assert len(smtp_sink.messages) == 3
    assert sorted(by_subject.values()) == [
        ["manager@example.co.jp"],
        ["manager@example.co.jp"],
        ["staff@example.co.jp"],
    ]
    keys = set(ReminderSent.objects.values_list("key", flat=True))
    case = server_case.pk
    assert keys == {
        f"case:{case}:task:{due_tasks['in3'].pk}:before-3",
        f"case:{case}:task:{due_tasks['in1'].pk}:before-1",
        f"case:{case}:task:{due_tasks['today'].pk}:due",
    }


@pytest.mark.django_db
def test_the_next_stage_is_sent_when_its_day_comes(smtp_sink, due_tasks):
    # given
    reminders.send_due_reminders()
    # when: two days later the 3-day task is due tomorrow
    later = reminders.send_due_reminders(timezone.localdate() + dt.timedelta(days=2))
    # then
    assert later == 1
    assert ReminderSent.objects.filter(key__endswith=f"task:{due_tasks['in3'].pk}:before-1").exists()


def test_the_stage_is_the_nearest_one_a_due_date_is_within():
    assert [reminders.stage_for(d, [3, 1]) for d in (5, 3, 2, 1, 0, -1)] == [
        None,
        "before-3",
        "before-3",
        "before-1",
        "due",
        None,
    ]


def test_the_days_come_from_the_setting(settings):
    settings.MAMORI_REMINDER_DAYS = "7, 3,x,0"
    assert reminders.reminder_days() == [7, 3]


@pytest.mark.django_db
def test_done_tasks_closed_and_archived_cases_get_no_reminder(smtp_sink, due_tasks, manager, server_case):
    # given
    services.set_task_status(manager, due_tasks["in3"], "done")
    # when
    sent = reminders.send_due_reminders()
    services.move_case(SYSTEM, server_case, "closed", "完了", close_with_open_tasks=True)
    after_closing = reminders.send_due_reminders(timezone.localdate() + dt.timedelta(days=1))
    # then
    assert sent == 2 and after_closing == 0


@pytest.mark.django_db
def test_the_remind_command_and_the_task_share_the_keys(smtp_sink, due_tasks):
    # when
    out = StringIO()
    call_command("incidents", "remind", stdout=out)
    job = reminders.schedule_reminders()
    _deliver()
    # then: the queued reminder task ran and found nothing left to send
    assert "Reminders queued: 3" in out.getvalue()
    assert job is True
    remind_job = Job.objects.get(name=reminders.TASK_NAME)
    assert remind_job.status == "succeeded"
    assert remind_job.result == {"queued": 0, "notices_reminded": 0, "notices_escalated": 0, "manual_reminders": 0}
    assert len(smtp_sink.messages) == 3


@pytest.mark.django_db
def test_the_clock_queues_the_reminder_task_at_most_once_per_interval(settings):
    settings.MAMORI_REMINDER_INTERVAL = 3600
    now = timezone.now()
    assert reminders.schedule_reminders(now) is True
    assert reminders.schedule_reminders(now + dt.timedelta(minutes=59)) is False
    assert reminders.schedule_reminders(now + dt.timedelta(minutes=61)) is True
    settings.MAMORI_REMINDER_INTERVAL = 0
    assert reminders.schedule_reminders(now + dt.timedelta(hours=5)) is False


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_moment_send_each_reminder_once(smtp_sink, due_tasks):
    if connection.vendor == "sqlite":
        # The in-memory test database locks whole tables between threads and does not wait.
        pytest.skip("thread race needs PostgreSQL (run with DATABASE_URL=postgres://...)")
    # given
    start = threading.Barrier(4)
    counts: list[int] = []

    def run() -> None:
        from django.db import connection as own

        try:
            start.wait()
            counts.append(reminders.send_due_reminders())
        finally:
            own.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _deliver()
    # then
    assert sum(counts) == 3
    assert ReminderSent.objects.count() == 3
    assert Job.objects.filter(name="mail.send").count() == 3
    assert len(smtp_sink.messages) == 3
