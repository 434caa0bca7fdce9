"""The dashboard's PMS cards (ダッシュボード): what is overdue, scan findings over time, Privacy Mark readiness.

Each card is built only for a user whose role may read its records (the policy decides); contractor users and
outside investigators keep their own short dashboard. Every number is counted in the database with the same rule
as the page the card links to, so the dashboard never says something the linked page does not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.accounts.roles import INTERNAL_ROLES
from mamori.discovery.models import Scan, ScanStatus
from mamori.incidents.views import DueRow
from mamori.ledger.models import LedgerEntry, review_overdue_q
from mamori.risk.models import Nonconformity, NonconformityStatus
from mamori.risk.services import NONCONFORMITY_RESOURCE

PROHIBITED = "prohibited"  # the scanner's data class of card data that must never be stored
CHART_MONTHS = 12
# Chart geometry, in SVG user units (the picture scales with its box; CSS gives it a width).
CHART_W, CHART_H, CHART_TOP, CHART_BOTTOM, CHART_LEFT = 360, 160, 12, 128, 8


def is_internal(user: Any) -> bool:
    return getattr(user, "role", None) in INTERNAL_ROLES


# -- the next legal deadline of each open case ------------------------------------------------------------


def next_legal(rows: list[DueRow]) -> DueRow | None:
    """The nearest APPI due date (速報・確報・本人通知) among a case's open due dates, else its nearest one."""
    legal = [r for r in rows if ":appi:" in r.deadline.key]
    chosen = legal or rows
    return min(chosen, key=lambda r: r.deadline.due) if chosen else None


# -- overdue items --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OverdueLine:
    """One kind of overdue item: how many, and the page that lists them. ``text`` is shown instead of the count
    where the line is a yes/no (an internal audit was or was not reported)."""

    key: str
    label: str
    count: int
    url: str
    text: str = ""


def overdue_lines(user: Any, today: dt.date | None = None) -> list[OverdueLine] | None:
    """Every kind of overdue item the user may see, in one list (None: the card is not for this user)."""
    if not is_internal(user):
        return None
    today = today or timezone.localdate()
    lines = [
        line
        for build in (_ledger, _training, _audit, _corrective, _requests, _contractors)
        if (line := build(user, today)) is not None
    ]
    return lines or None


def _ledger(user: Any, today: dt.date) -> OverdueLine | None:
    if getattr(user, "role", None) not in ("protection_manager", "top_management", "audit_manager"):
        return None
    count = policy.scope(user, "ledger_entry", LedgerEntry.objects.filter(review_overdue_q(today))).count()
    return OverdueLine("ledger", _("Ledger reviews overdue"), count, reverse("ledger:list") + "?overdue=1")


def _training(user: Any, today: dt.date) -> OverdueLine | None:
    from mamori.pms import services_training as training

    if not policy.can(user, Action.VIEW, training.RECORD):
        return None
    # The training page's own rule (standings), for the fiscal year the page opens on.
    count = sum(1 for s in training.standings(user, training.fiscal_year(today), today) if s.overdue)
    return OverdueLine("training", _("Training past its due date"), count, reverse("pms:training"))


def _audit(user: Any, today: dt.date) -> OverdueLine | None:
    from mamori.pms.models import AuditPlan, AuditPlanStatus
    from mamori.pms.readiness import YEAR
    from mamori.pms.services_audits import RESOURCE

    if not policy.can(user, Action.VIEW, RESOURCE):
        return None
    since = timezone.make_aware(dt.datetime.combine(today - YEAR, dt.time.min))
    recent = AuditPlan.objects.filter(status=AuditPlanStatus.REPORTED, reported_at__gte=since).exists()
    return OverdueLine(
        "internal_audit",
        _("Internal audit in the last 12 months"),
        0 if recent else 1,
        reverse("pms:audits"),
        str(_("Reported") if recent else _("Not reported")),
    )


def _corrective(user: Any, today: dt.date) -> OverdueLine | None:
    if not policy.can(user, Action.VIEW, NONCONFORMITY_RESOURCE):
        return None
    live = Nonconformity.objects.filter(archived_at__isnull=True, due_date__lt=today)
    count = policy.scope(user, NONCONFORMITY_RESOURCE, live.exclude(status=NonconformityStatus.CLOSED)).count()
    return OverdueLine("corrective", _("Corrective actions past their due date"), count, reverse("risk:nc_list"))


def _requests(user: Any, today: dt.date) -> OverdueLine | None:
    from mamori.pms.models import SubjectRequest
    from mamori.pms.models.requests import CLOSED_REQUEST
    from mamori.pms.services_requests import REQUEST

    if not policy.can(user, Action.VIEW, REQUEST):
        return None
    late = SubjectRequest.objects.filter(due_date__lt=today).exclude(status__in=CLOSED_REQUEST)
    count = policy.scope(user, REQUEST, late).count()
    return OverdueLine("requests", _("Requests from persons past their answer date"), count, reverse("pms:requests"))


def _contractors(user: Any, today: dt.date) -> OverdueLine | None:
    from mamori.contractors.services import SUPERVISION, warnings

    if not policy.can(user, Action.VIEW, SUPERVISION):
        return None
    count = len(warnings(user, today))
    return OverdueLine("contractors", _("Contractor warnings"), count, reverse("contractors:list"))


# -- scan findings over time ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """One month of the chart: findings of the scans completed that month, card data not to be stored among them."""

    month: dt.date
    findings: int
    prohibited: int
    x: int = 0
    width: int = 0
    y: int = 0
    height: int = 0
    prohibited_y: int = 0
    prohibited_height: int = 0


def _months(today: dt.date) -> list[dt.date]:
    first = today.replace(day=1)
    months = []
    for back in range(CHART_MONTHS - 1, -1, -1):
        year, month = divmod(first.year * 12 + first.month - 1 - back, 12)
        months.append(dt.date(year, month + 1, 1))
    return months


def findings_chart(user: Any, today: dt.date | None = None) -> dict[str, Any] | None:
    """Findings per month of completed scans over the last twelve months, counted in one grouped query."""
    if not is_internal(user) or not policy.can(user, Action.VIEW, "scan"):
        return None
    today = today or timezone.localdate()
    months = _months(today)
    start = timezone.make_aware(dt.datetime.combine(months[0], dt.time.min))
    scans = Scan.objects.filter(status=ScanStatus.SUCCEEDED, finished_at__gte=start, source__archived_at__isnull=True)
    scans = policy.scope(user, "scan", scans)
    # Counted per scan in the database (one grouped query), then the few scans are put in their local month here:
    # truncating each finding's date in SQL is slow on SQLite (a Python function per row).
    counted = scans.annotate(
        n=Count("findings"), p=Count("findings", filter=Q(findings__data_class=PROHIBITED))
    ).values_list("finished_at", "n", "p")
    by_month: dict[dt.date, dict[str, Any]] = {}
    for finished, n, p in counted:
        month = timezone.localdate(finished).replace(day=1)
        row = by_month.setdefault(month, {"findings": 0, "prohibited": 0})
        row["findings"] += n
        row["prohibited"] += p
    return {
        "empty": not by_month,
        "bars": _layout(months, by_month),
        "months": CHART_MONTHS,
        "width": CHART_W,
        "height": CHART_H,
        "baseline": CHART_BOTTOM,
    }


def _layout(months: list[dt.date], by_month: dict[dt.date, dict[str, Any]]) -> list[Bar]:
    """Place the bars in the SVG's coordinates (attributes, not inline styles: the CSP forbids them)."""
    peak = max([by_month.get(m, {}).get("findings", 0) for m in months] + [1])
    slot = (CHART_W - CHART_LEFT) // len(months)
    usable = CHART_BOTTOM - CHART_TOP
    bars = []
    for index, month in enumerate(months):
        row = by_month.get(month, {})
        findings, prohibited = int(row.get("findings", 0)), int(row.get("prohibited", 0))
        height = round(usable * findings / peak)
        p_height = round(usable * prohibited / peak)
        bars.append(
            Bar(
                month,
                findings,
                prohibited,
                x=CHART_LEFT + index * slot + 3,
                width=slot - 6,
                y=CHART_BOTTOM - height,
                height=height,
                prohibited_y=CHART_BOTTOM - p_height,
                prohibited_height=p_height,
            )
        )
    return bars


# -- Privacy Mark readiness -----------------------------------------------------------------------------------


def readiness_card(user: Any) -> dict[str, Any] | None:
    """The readiness percentage exactly as the readiness page computes it."""
    from mamori.pms import readiness
    from mamori.pms.services import RESOURCE

    if not is_internal(user) or not policy.can(user, Action.VIEW, RESOURCE):
        return None
    report = readiness.compute()
    return {"percent": report.percent, "ready": report.ready, "applicable": report.applicable, "gaps": len(report.gaps)}
