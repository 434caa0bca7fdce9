from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.core.navigation import AREAS_BY_KEY
from mamori.incidents.models import IncidentCase
from mamori.incidents.views import visible_deadlines
from mamori.ledger.models import LedgerEntry
from mamori.risk.views import heatmap_context

DUE_DATES_SHOWN = 8


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    open_cases = policy.scope(
        user, "incident_case", IncidentCase.objects.exclude(status="closed").filter(archived_at__isnull=True)
    )
    context = {
        "open_cases": open_cases[:5] if Action.VIEW in policy.allowed(user, "incident_case") else None,
        "open_case_count": open_cases.count(),
        **_due_dates_context(user, open_cases),
        **heatmap_context(user),
        **_ledger_review_context(user),
    }
    return render(request, "core/dashboard.html", context)


def _due_dates_context(user: object, open_cases: QuerySet[IncidentCase]) -> dict[str, object]:
    """Every due date of the open cases the user may see (reports, notices, tasks, hold reviews), most urgent
    first, with the days left; contractor users see only the ones addressed to them."""
    if Action.VIEW not in policy.allowed(user, "incident_case"):
        return {}
    cases = list(open_cases.order_by("pk"))
    rows = [(case, row) for case in cases for row in visible_deadlines(user, case)]
    rows.sort(key=lambda pair: (pair[1].deadline.due, pair[0].pk, pair[1].deadline.title))
    return {"due_dates": rows[:DUE_DATES_SHOWN], "due_date_count": len(rows)}


def _ledger_review_context(user: object) -> dict[str, object]:
    """Ledger entries whose yearly review is due, for the roles that oversee the ledger."""
    if getattr(user, "role", None) not in ("protection_manager", "top_management", "audit_manager"):
        return {}
    due = policy.scope(user, "ledger_entry", LedgerEntry.objects.filter(next_review_due__lte=timezone.localdate()))
    return {"ledger_due": due.order_by("next_review_due")[:5], "ledger_due_count": due.count()}


@login_required
def area(request: HttpRequest, key: str) -> HttpResponse:
    area = AREAS_BY_KEY.get(key)
    if area is None or area.available:
        raise Http404
    if getattr(request.user, "role", None) in ("contractor", "investigator"):
        raise Http404
    return render(request, "core/area_planned.html", {"area": area})


def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitoring: 200 when the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
