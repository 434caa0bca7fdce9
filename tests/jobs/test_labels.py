"""Job kinds are shown by what they do, translated, never by the task's dotted code (discovery.scan)."""

from __future__ import annotations

from django.utils import translation

from mamori.jobs import registry
from mamori.jobs.models import Job, Status


def test_every_registered_task_has_a_label_of_its_own() -> None:
    # given every task the apps registered (tests register their own, under test.)
    with translation.override("en"):
        labels = {name: registry.label(name) for name in registry.names() if not name.startswith("test.")}
    # then each reads as words, not as its code, and no two read the same
    assert [name for name, label in labels.items() if label == name] == []
    assert len(set(labels.values())) == len(labels)


def test_a_job_shows_its_tasks_label_and_an_unknown_task_its_name() -> None:
    with translation.override("en"):
        assert Job(name="discovery.scan").label == "Data source scan"
        assert Job(name="nobody.knows").label == "nobody.knows"
        assert Job(name="discovery.scan", status=Status.SUCCEEDED).get_status_display() == "Succeeded"
