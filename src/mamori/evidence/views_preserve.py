"""Pages of "Preserve now" (今すぐ保全): start a preservation from a case, and watch its progress."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from mamori.accounts import policy
from mamori.discovery.models import DataSource
from mamori.evidence import preserve
from mamori.incidents.models import IncidentCase
from mamori.jobs.models import Job


def _case(request: HttpRequest, case_pk: int) -> IncidentCase:
    case = policy.get_visible(request.user, preserve.CASE, IncidentCase.objects.all(), pk=case_pk)
    preserve.check_may_preserve(request.user, case)
    return case


def preserve_page(request: HttpRequest, case_pk: int) -> HttpResponse:
    """GET: the linked data sources, a form for file paths, and the case's preservations. POST: start one."""
    case = _case(request, case_pk)
    errors: dict[str, list[str]] = {}
    paths_text = ""
    if request.method == "POST":
        paths_text = str(request.POST.get("paths", ""))
        try:
            job = _start(request, case, paths_text)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"source": exc.messages}
        else:
            messages.success(request, _("Preservation queued; its progress is shown below."))
            return redirect(f"{request.path}?job={job.pk}")
    context = {
        "case": case,
        "sources": case.data_sources.order_by("name", "pk"),
        "rows": [_row(job) for job in preserve.preservation_jobs(request.user, case)[:50]],
        "errors": errors,
        "paths_text": paths_text,
    }
    return render(request, "evidence/preserve_page.html", context, status=400 if errors else 200)


def _start(request: HttpRequest, case: IncidentCase, paths_text: str) -> Job:
    raw_source = str(request.POST.get("source", "")).strip()
    if raw_source:
        if not raw_source.isdigit() or len(raw_source) > 18:
            raise ValidationError({"source": _("Choose a data source linked to this case.")})
        source = DataSource.objects.filter(pk=int(raw_source)).first()
        if source is None:
            raise ValidationError({"source": _("Choose a data source linked to this case.")})
        return preserve.start_preservation(request.user, case, source=source)
    paths = [line for line in paths_text.splitlines() if line.strip()]
    return preserve.start_preservation(request.user, case, paths=paths)


def _row(job: Job) -> dict[str, Any]:
    source_id = job.args.get("source_id")
    if source_id:
        source = DataSource.objects.filter(pk=source_id).first()
        what = source.name if source is not None else f"#{source_id}"
    else:
        what = ", ".join(job.args.get("paths") or [])
    return {"job": job, "what": what, "result": job.result if isinstance(job.result, dict) else {}}


def preserve_progress(request: HttpRequest, case_pk: int, job_id: str) -> HttpResponse:
    """The progress of one preservation (polled by htmx every two seconds until it has finished)."""
    case = _case(request, case_pk)
    job = preserve.preservation_job(request.user, case, job_id)
    return render(request, "evidence/preserve_progress.html", {"case": case, "row": _row(job)})
