"""Scoping pages (影響範囲の特定): a case's versions and the definition (load payments, preview, run), one
version with its people (paged, audited), CSV export (audited), archive, and the inquiry desk. Thin: each parses
its form and calls one service."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext as _

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.discovery.models import DataSource, SourceKind
from mamori.evidence.models import Evidence, EvidenceKind
from mamori.incidents.models import IncidentCase
from mamori.scoping import services
from mamori.scoping.forms import ArchiveForm, DefineForm, InquiryForm
from mamori.scoping.models import Preset

R = services.RESOURCE
PAGE_SIZE = 50
READABLE_COPIES = ("sqlite-backup", "logical-export")


def _case(request: HttpRequest, case_id: int) -> IncidentCase:
    return policy.get_visible(request.user, "incident_case", IncidentCase.objects.all(), pk=case_id)


def _sources(user: Any) -> list[DataSource]:
    return list(policy.scope(user, "data_source", DataSource.objects.filter(kind=SourceKind.DATABASE)))


def _copies(user: Any, case: IncidentCase) -> list[Evidence]:
    if Action.READ_PRESERVED not in policy.allowed(user, "evidence"):
        return []
    rows = Evidence.objects.filter(case=case, kind=EvidenceKind.PRESERVED_COPY, destroyed_at__isnull=True)
    return [e for e in rows if (e.manifest or {}).get("method") in READABLE_COPIES]


def _say(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _spec(form: DefineForm, sources: list[DataSource], copies: list[Evidence]) -> services.Spec:
    data = form.cleaned_data
    ids = [int(v) if str(v).isdigit() else v for v in data.get("payment_ids") or []]
    return services.Spec(
        preset=data["preset"],
        window_from=data["window_from"],
        window_to=data["window_to"],
        payment_ids=ids,
        mapping=data.get("mapping") or {},
        source=next((s for s in sources if s.pk == data.get("source")), None),
        evidence=next((e for e in copies if e.pk == data.get("evidence")), None),
    )


def case_scoping(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case's scoping: versions, and the definition with its three steps (payments, preview, run)."""
    case = _case(request, case_id)
    policy.check(request.user, Action.VIEW, R)
    versions = services.for_case(request.user, case)
    can_add = policy.can(request.user, Action.ADD, R) and case.archived_at is None
    sources, copies = (_sources(request.user), _copies(request.user, case)) if can_add else ([], [])
    payments: list[Any] = []
    preview = None
    initial = {
        "window_from": case.exposure_from,
        "window_to": case.exposure_to,
        "source": next((s.pk for s in case.data_sources.all() if s.kind == SourceKind.DATABASE), None),
    }
    form = DefineForm(initial=initial, sources=sources, copies=copies, payments=[])
    if request.method == "POST":
        if not can_add:
            raise PermissionDenied(_("Your role may not define a scoping."))
        step = request.POST.get("do", "preview")
        form = DefineForm(request.POST, sources=sources, copies=copies, payments=[])
        form.is_valid()  # for the chosen preset and source only
        data = form.cleaned_data
        if (
            data.get("preset") in (Preset.ECCUBE2, Preset.ECCUBE4)
            and "window_to" in data
            and not form.non_field_errors()
        ):
            try:
                payments = services.payment_methods(request.user, case, _spec(form, sources, copies))
            except ValidationError as exc:
                _say(request, exc)
        posted = request.POST.copy()
        if step == "payments" and not posted.getlist("payment_ids"):
            posted.setlist("payment_ids", [str(p.id) for p in payments if p.card_like])
        form = DefineForm(posted, sources=sources, copies=copies, payments=payments)
        if form.is_valid() and step in ("preview", "run"):
            spec = _spec(form, sources, copies)
            try:
                warning = services.window_warning(case, spec.window_from, spec.window_to)
                if warning:
                    messages.warning(request, warning)
                if step == "run":
                    scoping = services.start_scoping(request.user, case, spec, form.cleaned_data.get("note", ""))
                    messages.success(request, _("Scoping version %(v)d queued.") % {"v": scoping.version})
                    return redirect("scoping:detail", scoping.pk)
                preview = services.preview(request.user, case, spec)
            except ValidationError as exc:
                _say(request, exc)
    return render(
        request,
        "scoping/case.html",
        {
            "case": case,
            "versions": versions,
            "current": services.current_scoping(case),
            "can_add": can_add,
            "form": form,
            "payments": payments,
            "preview": preview,
        },
    )


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    scoping = services.visible(request.user, pk)
    return render(
        request,
        "scoping/detail.html",
        {
            "scoping": scoping,
            "case": scoping.case,
            "is_current": services.current_scoping(scoping.case) == scoping,
            "can_export": policy.can(request.user, Action.EXPORT, R, scoping),
            "can_archive": policy.can(request.user, Action.CHANGE, R, scoping) and scoping.archived_at is None,
            "archive_form": ArchiveForm(),
            "excluded": [gettext(x) for x in scoping.mapping.get("excluded") or []],
            "window_warning": services.window_warning(scoping.case, scoping.window_from, scoping.window_to),
            "conditions": [condition_text(f) for f in scoping.mapping.get("filters") or []],
        },
    )


OPERATOR_TEXT = {
    "eq": gettext_lazy("%(column)s = %(value)s"),
    "ne": gettext_lazy("%(column)s is not %(value)s"),
    "in": gettext_lazy("%(column)s is one of %(value)s"),
    "not_in": gettext_lazy("%(column)s is none of %(value)s"),
    "is_null": gettext_lazy("%(column)s is empty"),
    "not_null": gettext_lazy("%(column)s is not empty"),
}


def condition_text(condition: dict[str, Any]) -> str:
    """A stored filter {column, op, value} in words ("status is not 3" / 「status が 3 以外」)."""
    value = condition.get("value")
    shown = ", ".join(map(str, value)) if isinstance(value, list) else ("" if value is None else str(value))
    template = OPERATOR_TEXT.get(str(condition.get("op")))
    if template is None:
        return f"{condition.get('column')} {condition.get('op')} {shown}"
    return str(template) % {"column": condition.get("column"), "value": shown}


def people(request: HttpRequest, pk: int) -> HttpResponse:
    """The people of one version, 50 a page; each page view is audited."""
    scoping = services.visible(request.user, pk)
    search = request.GET.get("q", "")[:200]
    rows = services.people_of(request.user, scoping, f"page {request.GET.get('page', '1')[:6]}", search)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "scoping/people.html",
        {
            "scoping": scoping,
            "case": scoping.case,
            "page": page,
            "search": search,
            "query": f"q={search}" if search else "",
        },
    )


def export(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    scoping = services.visible(request.user, pk)
    lines = services.export_csv(request.user, scoping)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="affected-people-case{scoping.case_id}-v{scoping.version}.csv"'
    )
    response["Cache-Control"] = "no-store"
    return response


def archive(request: HttpRequest, pk: int) -> HttpResponse:
    scoping = services.visible(request.user, pk)
    policy.check(request.user, Action.CHANGE, R, scoping)
    form = ArchiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why this version is archived."))
        return redirect("scoping:detail", scoping.pk)
    try:
        services.archive_scoping(request.user, scoping, form.cleaned_data["reason"])
        messages.success(request, _("Version archived."))
    except ValidationError as exc:
        _say(request, exc)
    return redirect("scoping:detail", scoping.pk)


def inquiry(request: HttpRequest) -> HttpResponse:
    """The inquiry desk: is this person affected? Only yes/no and the case are shown; every lookup is recorded."""
    policy.check(request.user, Action.VIEW, services.INQUIRY)
    cases = list(policy.scope(request.user, "incident_case", IncidentCase.objects.filter(archived_at__isnull=True)))
    form = InquiryForm(request.POST if request.method == "POST" else None, cases=cases)
    answer = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        case = next((c for c in cases if c.pk == data.get("case")), None)
        try:
            answer = services.inquiry(request.user, email=data["email"], member_id=data["member_id"], case=case)
        except ValidationError as exc:
            _say(request, exc)
    return render(request, "scoping/inquiry.html", {"form": form, "answer": answer})
