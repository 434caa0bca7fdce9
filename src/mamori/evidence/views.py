"""Evidence pages: a case's evidence, one piece with its chain of custody, download, destruction and the
legal hold's release. Thin: each parses its form and calls one service."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.evidence import holds, services
from mamori.evidence.forms import OptionalReasonForm, ReasonForm, RecordForm, TransferForm, UploadForm
from mamori.evidence.models import Evidence
from mamori.evidence.uploads import limit_uploads
from mamori.incidents import hold
from mamori.incidents.models import HoldRelease, IncidentCase

R = services.RESOURCE


def _case(request: HttpRequest, case_id: int) -> IncidentCase:
    return policy.get_visible(
        request.user, "incident_case", IncidentCase.objects.select_related("contractor"), pk=case_id
    )


def _evidence(request: HttpRequest, pk: int) -> Evidence:
    return policy.get_visible(request.user, R, services.visible(request.user), pk=pk)


def _say(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def case_evidence(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case's evidence on a page of its own (the same panel as on the case page)."""
    case = _case(request, case_id)
    policy.check(request.user, Action.VIEW, R)
    return render(request, "evidence/case.html", {"case": case})


@csrf_exempt  # the upload limit must be in place before the CSRF check reads the body; checked just below
def upload(request: HttpRequest, case_id: int) -> HttpResponse:
    limiter = limit_uploads(request, services.max_bytes())
    return _upload(request, case_id, limiter)


@csrf_protect
def _upload(request: HttpRequest, case_id: int, limiter: Any) -> HttpResponse:
    case = _case(request, case_id)
    policy.check(request.user, Action.ADD, R)
    form = UploadForm(request.POST, request.FILES)
    if limiter.exceeded:
        messages.error(
            request,
            _("The file is larger than the maximum of %(size)s.") % {"size": services.human_size(limiter.limit)},
        )
        return redirect("evidence:case", case.pk)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(
                request, f"{label}: {' '.join(str(e) for e in errors)}" if label else " ".join(str(e) for e in errors)
            )
        return redirect("evidence:case", case.pk)
    data = form.cleaned_data
    try:
        evidence = services.add_upload(
            request.user, case, data["file"], data["name"] or data["file"].name, data["description"], data["reason"]
        )
    except ValidationError as exc:
        _say(request, exc)
        return redirect("evidence:case", case.pk)
    messages.success(
        request, _("Evidence added: %(name)s (SHA-256 %(hash)s).") % {"name": evidence.name, "hash": evidence.sha256}
    )
    return redirect("evidence:detail", evidence.pk)


def add_record(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    policy.check(request.user, Action.ADD, R)
    form = RecordForm(request.POST)
    if form.is_valid():
        try:
            evidence = services.add_preservation_record(request.user, case, **form.cleaned_data)
        except ValidationError as exc:
            _say(request, exc)
        else:
            messages.success(request, _("Preservation record added."))
            return redirect("evidence:detail", evidence.pk)
    else:
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label}: {' '.join(str(e) for e in errors)}")
    return redirect("evidence:case", case.pk)


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = _evidence(request, pk)
    services.record_view(request.user, evidence)  # every look is a link of the chain of custody
    user = request.user
    context = {
        "evidence": evidence,
        "case": evidence.case,
        "events": services.chain_of_custody(evidence),
        "holding_case": holds.holding_case(evidence),
        "can_download": evidence.has_file and _may_download(user, evidence),
        "can_destroy": evidence.is_preserved_copy
        and not evidence.is_destroyed
        and policy.can(user, Action.DELETE, R, evidence),
        "can_transfer": evidence.kind == Evidence.Kind.PRESERVATION_RECORD
        and policy.can(user, Action.CHANGE, R, evidence),
        "destroy_form": ReasonForm(),
        "transfer_form": TransferForm(),
        "size": services.human_size(evidence.size),
    }
    return render(request, "evidence/detail.html", context)


def _may_download(user: Any, evidence: Evidence) -> bool:
    try:
        services.check_download(user, evidence)
    except Exception:  # NotVisible or PermissionDenied: no button
        return False
    return True


def download(request: HttpRequest, pk: int) -> HttpResponse | StreamingHttpResponse:
    """GET: the form (a reason is required for a preserved copy); POST: the file, after its hash was re-checked."""
    evidence = _evidence(request, pk)
    services.check_download(request.user, evidence)
    form_class = ReasonForm if evidence.is_preserved_copy else OptionalReasonForm
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            stream = services.open_for_download(request.user, evidence, form.cleaned_data["reason"])
        except ValidationError as exc:
            _say(request, exc)
            return redirect("evidence:detail", evidence.pk)
        response = StreamingHttpResponse(stream, content_type="application/octet-stream")
        response["Content-Disposition"] = _attachment(evidence.name)
        if evidence.size is not None:
            response["Content-Length"] = str(evidence.size)
        response["X-Content-SHA256"] = evidence.sha256
        return response
    return render(request, "evidence/download.html", {"evidence": evidence, "form": form})


def _attachment(name: str) -> str:
    from django.utils.http import content_disposition_header

    return content_disposition_header(as_attachment=True, filename=name) or "attachment"


def destroy(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = _evidence(request, pk)
    policy.check(request.user, Action.DELETE, R, evidence)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason; it is kept in the chain of custody."))
        return redirect("evidence:detail", evidence.pk)
    try:
        services.destroy(request.user, evidence, form.cleaned_data["reason"])
    except holds.UnderHold as exc:
        messages.error(request, str(exc))
        return redirect("evidence:detail", evidence.pk)
    except ValidationError as exc:
        _say(request, exc)
        return redirect("evidence:detail", evidence.pk)
    messages.success(request, _("The preserved copy was destroyed; its record and chain of custody are kept."))
    return redirect("evidence:detail", evidence.pk)


def transfer(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = _evidence(request, pk)
    policy.check(request.user, Action.CHANGE, R, evidence)
    form = TransferForm(request.POST)
    if form.is_valid():
        try:
            services.transfer(request.user, evidence, **form.cleaned_data)
        except ValidationError as exc:
            _say(request, exc)
        else:
            messages.success(request, _("The transfer was recorded."))
    else:
        messages.error(request, _("Say where the evidence is now, who holds it and why."))
    return redirect("evidence:detail", evidence.pk)


# --------------------------------------------------------------------------------------------------
# The legal hold


def _back_to_case(case: IncidentCase) -> HttpResponse:
    return redirect("evidence:case", case.pk)


def hold_request(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    policy.check(request.user, Action.RELEASE_HOLD, "incident_case", case)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a written reason."))
        return _back_to_case(case)
    try:
        hold.request_release(request.user, case, form.cleaned_data["reason"])
    except ValidationError as exc:
        _say(request, exc)
    else:
        messages.success(request, _("Release requested; a second protection manager must approve it."))
    return _back_to_case(case)


def _release(request: HttpRequest, pk: int) -> HoldRelease:
    cases = policy.scope(request.user, "incident_case", IncidentCase.objects.all())
    release = HoldRelease.objects.select_related("case", "requested_by").filter(pk=pk, case__in=cases).first()
    if release is None:
        raise policy.NotVisible("No hold release matches the given query.")
    return release


def hold_approve(request: HttpRequest, pk: int) -> HttpResponse:
    release = _release(request, pk)
    policy.check(request.user, Action.RELEASE_HOLD, "incident_case", release.case)
    try:
        hold.approve_release(request.user, release)
    except ValidationError as exc:
        _say(request, exc)
    except hold.NotTheSameManager as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The legal hold is released."))
    return _back_to_case(release.case)


def hold_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    release = _release(request, pk)
    policy.check(request.user, Action.RELEASE_HOLD, "incident_case", release.case)
    try:
        hold.withdraw_release(request.user, release)
    except ValidationError as exc:
        _say(request, exc)
    else:
        messages.success(request, _("The request was withdrawn; the hold stays."))
    return _back_to_case(release.case)


def hold_place(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    policy.check(request.user, Action.CHANGE, "incident_case", case)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a written reason."))
        return _back_to_case(case)
    try:
        hold.place_hold(request.user, case, form.cleaned_data["reason"])
    except ValidationError as exc:
        _say(request, exc)
    else:
        messages.success(request, _("The case is under legal hold."))
    return _back_to_case(case)
