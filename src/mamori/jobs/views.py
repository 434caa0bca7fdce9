"""The job list (/jobs/) and one job's page: status, progress and the last error, never a traceback."""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.jobs.models import Job, Status
from mamori.jobs.services import RESOURCE

PAGE_SIZE = 100


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    policy.check(request.user, Action.VIEW, RESOURCE)
    jobs = policy.scope(request.user, RESOURCE, Job.objects.select_related("created_by"))
    status = request.GET.get("status", "")
    if status in Status.values:
        jobs = jobs.filter(status=status)
    return render(
        request,
        "jobs/job_list.html",
        {"jobs": jobs[:PAGE_SIZE], "statuses": Status.choices, "status": status},
    )


@login_required
def job_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    policy.check(request.user, Action.VIEW, RESOURCE)
    job = policy.get_visible(request.user, RESOURCE, Job.objects.select_related("created_by"), pk=pk)
    return render(request, "jobs/job_detail.html", {"job": job})
