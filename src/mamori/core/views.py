from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import F, Model, OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.core import dashboard_cards as cards
from mamori.core.navigation import AREAS_BY_KEY
from mamori.discovery.models import Scan, ScanFinding, ScanStatus
from mamori.incidents.models import IncidentCase
from mamori.incidents.views import DueRow, visible_deadlines
from mamori.ledger.models import LedgerEntry, review_overdue_q
from mamori.risk.models import Nonconformity, NonconformityStatus
from mamori.risk.services import NONCONFORMITY_RESOURCE
from mamori.risk.views import heatmap_context

DUE_DATES_SHOWN = 8
CARD_ROWS = 5
PROHIBITED = "prohibited"  # the scanner's data class of card data that must never be stored


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    open_cases = policy.scope(
        user, "incident_case", IncidentCase.objects.exclude(status="closed").filter(archived_at__isnull=True)
    )
    shown = list(open_cases[:5]) if Action.VIEW in policy.allowed(user, "incident_case") else None
    due = _due_dates_context(user, open_cases)
    legal: dict[int, object] = due.pop("next_legal", {})  # type: ignore[assignment]
    context = {
        "open_cases": shown,
        "open_case_count": open_cases.count(),
        # internal users see each open case's next legal due date beside it
        "open_case_rows": [(c, legal.get(c.pk)) for c in shown] if shown and cards.is_internal(user) else None,
        **due,
        **heatmap_context(user),
        **_ledger_review_context(user),
        **_prohibited_context(user),
        **_nonconformity_context(user),
        "overdue_lines": cards.overdue_lines(user),
        "findings_chart": cards.findings_chart(user),
        "readiness": cards.readiness_card(user),
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
    # The next legal due date (APPI 速報・確報) of each case in the open-cases card, with its days left.
    per_case: dict[int, list[DueRow]] = {}
    for case, row in rows:
        per_case.setdefault(case.pk, []).append(row)
    next_legal = {pk: cards.next_legal(found) for pk, found in per_case.items()}
    return {"due_dates": rows[:DUE_DATES_SHOWN], "due_date_count": len(rows), "next_legal": next_legal}


def _ledger_review_context(user: object) -> dict[str, object]:
    """Ledger entries whose yearly review is overdue, for the roles that oversee the ledger — by the ledger's own
    rule (``review_overdue_q``), so an entry never reviewed is here as it is flagged on the ledger page."""
    if getattr(user, "role", None) not in ("protection_manager", "top_management", "audit_manager"):
        return {}
    due = policy.scope(user, "ledger_entry", LedgerEntry.objects.filter(review_overdue_q(timezone.localdate())))
    ordered = due.order_by(F("next_review_due").asc(nulls_first=True), "reference")
    return {"ledger_due": ordered[:CARD_ROWS], "ledger_due_count": due.count()}


def _unarchived(queryset: QuerySet, field: str = "archived_at") -> QuerySet:
    """Leave out archived records where the model has archiving (evidence is archived, never deleted)."""
    model: type[Model] = queryset.model
    if any(f.name == field.split("__")[-1] for f in _model_at(model, field)._meta.get_fields()):
        return queryset.filter(**{f"{field}__isnull": True})
    return queryset


def _model_at(model: type[Model], path: str) -> type[Model]:
    for name in path.split("__")[:-1]:
        model = model._meta.get_field(name).related_model  # type: ignore[assignment]
    return model


def _prohibited_context(user: object) -> dict[str, object]:
    """Card data that must never be stored (カード情報の非保持), as the newest completed scan of each data source
    still finds it: a later scan that no longer finds it takes it off the dashboard."""
    if not policy.can(user, Action.VIEW, "scan"):
        return {}
    newest = Scan.objects.filter(source=OuterRef("source"), status=ScanStatus.SUCCEEDED).order_by("-created_at", "-pk")
    scans = _unarchived(Scan.objects.filter(status=ScanStatus.SUCCEEDED), "source__archived_at")
    scans = policy.scope(user, "scan", scans.filter(pk=Subquery(newest.values("pk")[:1])))
    findings = ScanFinding.objects.filter(scan__in=scans, data_class=PROHIBITED).select_related("scan__source")
    return {
        "prohibited_findings": findings.order_by("-rows_matched", "pk")[:CARD_ROWS],
        "prohibited_count": findings.count(),
    }


def _nonconformity_context(user: object) -> dict[str, object]:
    """Nonconformities (不適合) not yet closed: open ones, and corrected ones awaiting their closing review."""
    if not policy.can(user, Action.VIEW, NONCONFORMITY_RESOURCE):
        return {}
    found = _unarchived(Nonconformity.objects.exclude(status=NonconformityStatus.CLOSED))
    found = policy.scope(user, NONCONFORMITY_RESOURCE, found)
    return {"nonconformities": found.order_by("-detected_at", "-pk")[:CARD_ROWS], "nonconformity_count": found.count()}


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
