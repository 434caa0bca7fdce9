"""The job list at /jobs/ and a job's page: for roles with the "job" view right only."""

from __future__ import annotations

import uuid

import pytest

from mamori.accounts.policy import SYSTEM
from mamori.jobs.models import Job
from mamori.jobs.services import enqueue, submit

pytestmark = pytest.mark.django_db

ROLES = ["president", "manager", "auditor", "staff", "alice_contractor", "investigator"]
EXPECTED = dict(zip(ROLES, [403, 200, 200, 403, 403, 403], strict=True))


@pytest.mark.parametrize("role", ROLES)
def test_only_managers_and_auditors_see_the_job_list(role, request, client_for):
    user = request.getfixturevalue(role)
    job = enqueue(SYSTEM, "system.noop")

    list_page = client_for(user).get("/jobs/")
    job_page = client_for(user).get(f"/jobs/{job.pk}/")

    assert list_page.status_code == EXPECTED[role]
    assert job_page.status_code == EXPECTED[role]


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/jobs/")

    assert response.status_code == 302
    assert "/accounts/" in response["Location"]


def test_the_list_shows_status_and_progress(manager, client_for):
    # given
    job = enqueue(SYSTEM, "system.sleep", seconds=1)
    Job.objects.filter(pk=job.pk).update(progress=40, progress_message="Scanning share 2 of 5")
    # when
    html = client_for(manager).get("/jobs/").content.decode()
    # then
    assert "system.sleep" in html
    assert 'value="40"' in html
    assert "Scanning share 2 of 5" in html


def test_a_failed_job_shows_its_message_and_no_traceback(manager, client_for, make_worker):
    # given
    job = submit(SYSTEM, "test.fail", {"message": "share not found"}, max_attempts=1)
    make_worker().run(burst=True)
    # when
    html = client_for(manager).get(f"/jobs/{job.pk}/").content.decode()
    # then
    assert "RuntimeError: share not found" in html
    assert "Traceback" not in html


def test_the_list_can_be_filtered_by_status(manager, client_for, make_worker):
    enqueue(SYSTEM, "system.sleep", seconds=0)
    submit(SYSTEM, "test.fail", {"message": "x"}, max_attempts=1)
    make_worker().run(once=True)  # runs the older job only

    html = client_for(manager).get("/jobs/?status=queued").content.decode()

    assert "test.fail" in html and "system.sleep" not in html


def test_an_unknown_job_is_not_found(manager, client_for):
    assert client_for(manager).get(f"/jobs/{uuid.uuid4()}/").status_code == 404
