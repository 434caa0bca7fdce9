"""Pages of card-company lists: the lists, import, one list with its matches, matching, archive, CSV export."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.cardlists import services
from mamori.cardlists.models import CardList
from mamori.cardlists.uploads import memory_only
from mamori.evidence.models import Evidence
from mamori.incidents.models import IncidentCase


def list_page(request: HttpRequest) -> HttpResponse:
    policy.check(request.user, Action.VIEW, services.LIST)
    case_id = str(request.GET.get("case", ""))
    case = None
    if case_id.isdigit():
        case = policy.get_visible(request.user, services.CASE, IncidentCase.objects.all(), pk=int(case_id))
    context = {
        "rows": services.lists_summary(request.user, case),
        "case": case,
        "may_import": policy.can(request.user, Action.ADD, services.LIST),
    }
    return render(request, "cardlists/list.html", context)


def _cases(request: HttpRequest) -> Any:
    return policy.scope(request.user, services.CASE, IncidentCase.objects.order_by("-pk"))


@csrf_exempt  # the upload handler must be set before the CSRF check reads the body; checked just below
def import_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        memory_only(request)
    return _import_page(request)


@csrf_protect
def _import_page(request: HttpRequest) -> HttpResponse:
    policy.check(request.user, Action.ADD, services.LIST)
    errors: dict[str, list[str]] = {}
    values = {"received_from": "", "received_at": "", "note": "", "case": str(request.GET.get("case", ""))}
    if request.method == "POST":
        values = {k: str(request.POST.get(k, "")).strip() for k in values}
        try:
            card_list = _import(request, values)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"file": exc.messages}
        else:
            if card_list.status == "importing":
                messages.success(
                    request,
                    _(
                        "List read: %(accepted)d numbers are being fingerprinted in the background, %(rejected)d rows "
                        "rejected. Reload this page to see when it is ready."
                    )
                    % {"accepted": card_list.accepted, "rejected": card_list.rejected},
                )
                return redirect("cardlists:detail", card_list.pk)
            messages.success(
                request,
                _(
                    "List imported: %(accepted)d numbers accepted, %(rejected)d rows rejected. "
                    "No number was kept in clear."
                )
                % {"accepted": card_list.accepted, "rejected": card_list.rejected},
            )
            return redirect("cardlists:detail", card_list.pk)
    context = {"cases": _cases(request), "values": values, "errors": errors}
    return render(request, "cardlists/import.html", context, status=400 if errors else 200)


def _import(request: HttpRequest, values: dict[str, str]) -> CardList:
    problems: dict[str, list[str]] = {}
    case = None
    if values["case"].isdigit():
        case = _cases(request).filter(pk=int(values["case"])).first()
    if case is None:
        problems["case"] = [_("Choose the incident case the list belongs to.")]
    try:
        received_at = dt.date.fromisoformat(values["received_at"])
    except ValueError:
        received_at = None
        problems["received_at"] = [_("Enter the date the list was received (YYYY-MM-DD).")]
    upload = request.FILES.get("file")
    if upload is None:
        handler = request.upload_handlers[0] if request.upload_handlers else None
        if getattr(handler, "exceeded", False):
            problems["file"] = [_("The file is larger than the upload limit (MAMORI_UPLOAD_MAX_BYTES).")]
        else:
            problems["file"] = [_("Choose the CSV or XLSX file the card company sent.")]
    if problems:
        raise ValidationError(problems)
    assert case is not None and upload is not None
    data = upload.read()
    return services.import_list(
        request.user,
        case,
        data=data,
        file_name=upload.name or "list.csv",
        received_from=values["received_from"],
        received_at=received_at,
        note=values["note"],
    )


def detail_page(request: HttpRequest, pk: int) -> HttpResponse:
    card_list = services.get_list(request.user, pk)
    found = list(services.matches(request.user, card_list)[:500])
    services.record_matches_read(request.user, card_list, "page")
    may_match = (
        policy.can(request.user, Action.CHANGE, services.LIST, card_list)
        and not card_list.archived_at
        and card_list.status == "ready"
    )
    context = {
        "card_list": card_list,
        "counts": services.counts(card_list),
        "matches": found,
        "runs": card_list.runs.order_by("-created_at", "-pk")[:20],
        "may_match": may_match,
        "may_export": policy.can(request.user, Action.EXPORT, services.MATCH),
        "sources": services.matchable_sources(request.user) if may_match else [],
        "copies": services.matchable_evidence(request.user, card_list.case) if may_match else [],
        "errors": {},
    }
    return render(request, "cardlists/detail.html", context)


def _ids(request: HttpRequest, name: str) -> list[int]:
    return [int(v) for v in request.POST.getlist(name) if str(v).isdigit() and len(str(v)) < 18]


@require_POST
def match_action(request: HttpRequest, pk: int) -> HttpResponse:
    card_list = services.get_list(request.user, pk)
    if not policy.can(request.user, Action.CHANGE, services.LIST, card_list):
        raise PermissionDenied(_("Your role may not start a matching."))
    sources = list(services.matchable_sources(request.user).filter(pk__in=_ids(request, "sources")))
    copies = list(Evidence.objects.filter(pk__in=_ids(request, "evidence"), case=card_list.case))
    try:
        services.start_matching(
            request.user,
            card_list,
            sources=sources,
            evidence=copies,
            include_findings=bool(request.POST.get("findings")),
            include_people=True,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Matching queued; it runs in the background. Reload to see the result."))
    return redirect("cardlists:detail", card_list.pk)


@require_POST
def archive_action(request: HttpRequest, pk: int) -> HttpResponse:
    card_list = services.get_list(request.user, pk)
    try:
        services.archive_list(request.user, card_list, str(request.POST.get("reason", "")))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("List archived."))
    return redirect("cardlists:detail", card_list.pk)


def export_csv(request: HttpRequest, pk: int) -> HttpResponse:
    card_list = services.get_list(request.user, pk)
    body = services.export_csv(request.user, card_list)
    response = HttpResponse("\ufeff" + body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="card-list-{card_list.pk}-matches.csv"'
    return response
