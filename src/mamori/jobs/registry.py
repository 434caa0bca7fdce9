"""Registered tasks: the only functions a job may run (ジョブで実行できる処理の一覧).

A task is a function taking a :class:`~mamori.jobs.context.JobContext` first and JSON-serialisable keyword
arguments after it::

    @task("mail.send")
    def send(ctx: JobContext, *, subject: str, body: str, recipients: list[str]) -> dict: ...

Apps put their tasks in ``<app>/tasks.py``; those modules are imported when Django starts, so a name in
the job table always resolves to code in every process (web and worker).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

log = logging.getLogger("mamori.jobs")

TaskFunc = Callable[..., Any]
Validator = Callable[[Mapping[str, Any]], None]
# Told when a job of the task ends without success (failed for good, cancelled, abandoned by a dead worker):
# the job's arguments and the reason, so the record the job works on (a scan) never stays "running".
FailureHook = Callable[[Mapping[str, Any], str], None]


@dataclass(frozen=True)
class Task:
    """A registered task.

    ``atomic``: the task's database writes commit in one transaction with the job's completion, so a
    worker that lost its lease leaves no trace at all. Only for short tasks that write nothing outside the
    database. ``validate`` checks the arguments when the job is enqueued (raise ``ValidationError``).
    ``on_failure`` is called after the job has ended failed or cancelled (see :func:`job_ended`).
    """

    name: str
    func: TaskFunc
    max_attempts: int | None = None
    atomic: bool = False
    validate: Validator | None = None
    on_failure: FailureHook | None = None
    label: Any = None  # what the task does, translated (gettext_lazy); see labels.py for older tasks

    def check_arguments(self, args: Mapping[str, Any]) -> None:
        """Refuse arguments the function cannot take, before they are stored."""
        try:
            inspect.signature(self.func).bind(None, **args)
        except TypeError as exc:
            raise ValidationError(
                _("Task %(name)s cannot take these arguments: %(problem)s."),
                code="bad_arguments",
                params={"name": self.name, "problem": str(exc)},
            ) from None
        if self.validate is not None:
            self.validate(args)


_TASKS: dict[str, Task] = {}


def task(
    name: str,
    *,
    max_attempts: int | None = None,
    atomic: bool = False,
    validate: Validator | None = None,
    on_failure: FailureHook | None = None,
    label: Any = None,
) -> Callable[[TaskFunc], TaskFunc]:
    """Register the decorated function under ``name`` (dotted, e.g. ``"mail.send"``); ``label`` says what it
    does in the user's language (``gettext_lazy``), shown on the job pages instead of the name."""

    def register(func: TaskFunc) -> TaskFunc:
        existing = _TASKS.get(name)
        if existing is not None and _qualified(existing.func) != _qualified(func):
            raise ValueError(f"task {name!r} is already registered by {_qualified(existing.func)}")
        _TASKS[name] = Task(
            name,
            func,
            max_attempts=max_attempts,
            atomic=atomic,
            validate=validate,
            on_failure=on_failure,
            label=label,
        )
        return func

    return register


def _qualified(func: TaskFunc) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def get(name: str) -> Task:
    """The task registered under ``name``; ``ValidationError`` naming the known tasks otherwise."""
    try:
        return _TASKS[name]
    except KeyError:
        raise ValidationError(
            _("Unknown task %(name)s. Known tasks: %(known)s."),
            code="unknown_task",
            params={"name": name, "known": ", ".join(names()) or "-"},
        ) from None


def names() -> list[str]:
    return sorted(_TASKS)


def label(name: str) -> str:
    """What a task does, translated (``discovery.scan`` → データソースの走査); the name if nobody said."""
    from mamori.jobs.labels import LABELS

    registered = _TASKS.get(name)
    text = registered.label if registered is not None and registered.label is not None else LABELS.get(name)
    return str(text) if text is not None else name


def job_ended(name: str, args: Mapping[str, Any], reason: str) -> None:
    """Tell the task's ``on_failure`` hook that a job ended without success; a failing hook is only logged."""
    registered = _TASKS.get(name)
    if registered is None or registered.on_failure is None:
        return
    try:
        registered.on_failure(args, reason)
    except Exception:
        log.exception("jobs: the failure hook of task %s failed", name)


_STARTUP: list[Callable[[], None]] = []


def at_startup(func: Callable[[], None]) -> Callable[[], None]:
    """Register a function that :func:`mamori.jobs.recovery.recover` runs when a worker starts (after jobs
    left behind by dead workers are settled): an app tidies its own records there."""
    if func not in _STARTUP:
        _STARTUP.append(func)
    return func


def startup_functions() -> list[Callable[[], None]]:
    return list(_STARTUP)
