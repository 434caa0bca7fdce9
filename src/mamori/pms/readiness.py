"""Privacy Mark readiness (プライバシーマーク取得準備状況): per requirement, what the company says and what Mamori sees.

The percentage counts what people decided (a requirement is ready when its status is 運用中); Mamori's own records
are shown beside it as checks, and a requirement marked implemented whose check fails is listed as a gap too,
because a reviewer will look at the same records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from mamori.accounts.policy import SYSTEM
from mamori.pms import catalogue
from mamori.pms.models import Control, ControlStatus

SCAN_MAX_AGE = dt.timedelta(days=365)  # a check of reality at least as often as the yearly register review
YEAR = dt.timedelta(days=366)  # audits and reviews are yearly; a day of slack for the anniversary


@dataclass(frozen=True)
class Check:
    """One thing Mamori's records show about a requirement; ``ok`` None when it only informs."""

    label: str
    detail: str
    url: str
    ok: bool | None


@dataclass
class Row:
    control: Control
    checks: list[Check]

    @property
    def ready(self) -> bool:
        return self.control.status == ControlStatus.IMPLEMENTED

    @property
    def contradicted(self) -> bool:
        """Marked implemented, yet Mamori's records show a problem."""
        return self.ready and any(c.ok is False for c in self.checks)

    @property
    def gap(self) -> bool:
        return self.control.applicable and (not self.ready or self.contradicted)


@dataclass(frozen=True)
class Chapter:
    """One chapter (J.1 … J.11) of the guideline, its name from the catalogue file, and how many of its
    applicable requirements are ready."""

    group: str
    title_ja: str
    title_en: str
    ready: int
    applicable: int

    @property
    def title(self) -> str:
        return self.title_en if (get_language() or "ja")[:2] == "en" else self.title_ja


@dataclass
class Readiness:
    rows: list[Row]
    generated_at: dt.datetime
    groups: list[Chapter] = field(default_factory=list)

    @property
    def applicable(self) -> int:
        return sum(1 for r in self.rows if r.control.applicable)

    @property
    def ready(self) -> int:
        return sum(1 for r in self.rows if r.control.applicable and r.ready and not r.contradicted)

    @property
    def percent(self) -> int:
        return round(100 * self.ready / self.applicable) if self.applicable else 0

    @property
    def gaps(self) -> list[Row]:
        return [r for r in self.rows if r.gap]


def compute(today: dt.date | None = None) -> Readiness:
    """Readiness of every current requirement (retired ones are left out)."""
    today = today or timezone.localdate()
    controls = list(Control.objects.filter(retired_at__isnull=True).select_related("owner"))
    cache: dict[str, list[Check]] = {}
    rows = []
    for control in controls:
        checks: list[Check] = []
        for source in control.evidence_sources:
            if source not in cache:
                cache[source] = CHECKS[source](today) if source in CHECKS else []
            checks.extend(cache[source])
        rows.append(Row(control, checks))
    result = Readiness(rows, timezone.now())
    order: list[str] = []
    for row in rows:
        if row.control.group not in order:
            order.append(row.control.group)
    names = catalogue.chapters()
    for group in order:
        members = [r for r in rows if r.control.group == group and r.control.applicable]
        title_ja, title_en = names.get(group, ("", ""))
        ready = sum(1 for r in members if r.ready and not r.contradicted)
        result.groups.append(Chapter(group, title_ja, title_en, ready, len(members)))
    return result


# -- checks on Mamori's own records ------------------------------------------------------------------


def _ledger(today: dt.date) -> list[Check]:
    from mamori.ledger.models import LedgerEntry

    entries = list(LedgerEntry.objects.only("next_review_due"))
    overdue = sum(1 for e in entries if e.review_overdue(today))
    url = reverse("ledger:list")
    return [
        Check(
            _("Register entries"),
            ngettext("%(n)d entry", "%(n)d entries", len(entries)) % {"n": len(entries)},
            url,
            bool(entries),
        ),
        Check(
            _("Yearly register review"),
            _("%(n)d overdue") % {"n": overdue} if overdue else _("All reviewed in time"),
            url,
            bool(entries) and overdue == 0,
        ),
    ]


def _risk(today: dt.date) -> list[Check]:
    from mamori.ledger.models import LedgerEntry
    from mamori.risk.models import Risk

    risks = Risk.objects.count()
    without = LedgerEntry.objects.filter(risks__isnull=True).count()
    url = reverse("risk:list")
    return [
        Check(_("Risks assessed"), ngettext("%(n)d risk", "%(n)d risks", risks) % {"n": risks}, url, risks > 0),
        Check(
            _("Register entries without a risk assessment"),
            _("None") if not without else ngettext("%(n)d entry", "%(n)d entries", without) % {"n": without},
            url,
            without == 0,
        ),
    ]


def _nonconformity(today: dt.date) -> list[Check]:
    from mamori.risk.models import Nonconformity, NonconformityStatus

    live = Nonconformity.objects.filter(archived_at__isnull=True).exclude(status=NonconformityStatus.CLOSED)
    overdue = live.filter(due_date__lt=today).count()
    url = reverse("risk:nc_list")
    return [
        Check(_("Open nonconformities"), str(live.count()), url, None),
        Check(
            _("Corrective actions past their due date"),
            str(overdue),
            url,
            overdue == 0,
        ),
    ]


def _contractors(today: dt.date) -> list[Check]:
    from mamori.contractors.models import Contractor

    count = Contractor.objects.filter(active=True).count()
    checks = [Check(_("Active contractors"), str(count), reverse("contractors:list"), None)]
    from mamori.contractors.services import warnings as contractor_warnings

    found = contractor_warnings(SYSTEM, today)
    checks.append(
        Check(_("Contract and review warnings"), str(len(found)), reverse("contractors:list"), len(found) == 0)
    )
    return checks


def _playbooks(today: dt.date) -> list[Check]:
    from mamori.incidents.models import Playbook

    count = Playbook.objects.count()
    return [Check(_("Incident playbooks"), str(count), reverse("incidents:playbook-list"), count > 0)]


def _incidents(today: dt.date) -> list[Check]:
    from mamori.incidents.models import CaseStatus, IncidentCase

    open_cases = IncidentCase.objects.filter(archived_at__isnull=True).exclude(status=CaseStatus.CLOSED).count()
    return [Check(_("Open incident cases"), str(open_cases), reverse("incidents:list"), None)]


def _scans(today: dt.date) -> list[Check]:
    from mamori.discovery.models import DataSource, Scan, ScanFinding, ScanStatus

    url = reverse("discovery:list")
    sources = list(DataSource.objects.all())
    latest: list[Scan] = []
    for source in sources:
        scan = source.scans.filter(status=ScanStatus.SUCCEEDED).order_by("-finished_at").first()
        if scan is not None:
            latest.append(scan)
    cutoff = timezone.now() - SCAN_MAX_AGE
    stale = len(sources) - sum(1 for s in latest if s.finished_at and s.finished_at >= cutoff)
    prohibited = ScanFinding.objects.filter(scan__in=latest, data_class="prohibited").count()
    return [
        Check(
            _("Data sources scanned within a year"),
            _("%(done)d of %(all)d") % {"done": len(sources) - stale, "all": len(sources)},
            url,
            bool(sources) and stale == 0,
        ),
        Check(
            _("Card data that must not be stored (latest scans)"),
            _("None found")
            if not prohibited
            else ngettext("%(n)d finding", "%(n)d findings", prohibited) % {"n": prohibited},
            url,
            prohibited == 0,
        ),
    ]


def _users(today: dt.date) -> list[Check]:
    from mamori.accounts.models import User
    from mamori.accounts.roles import Role

    active = User.objects.filter(is_active=True)
    managers = set(active.filter(role=Role.PROTECTION_MANAGER).values_list("pk", flat=True))
    auditors = set(active.filter(role=Role.AUDIT_MANAGER).values_list("pk", flat=True))
    url = reverse("accounts:user_list")
    return [
        Check(_("Protection manager appointed"), str(len(managers)), url, bool(managers)),
        Check(
            _("Internal audit manager appointed, separate from the manager"),
            str(len(auditors)),
            url,
            bool(auditors - managers),
        ),
    ]


def _audit_trail(today: dt.date) -> list[Check]:
    from mamori.audit.models import AuditEntry

    first = AuditEntry.objects.order_by("pk").only("created_at").first()
    detail = (
        _("Kept since %(date)s") % {"date": timezone.localdate(first.created_at).isoformat()}
        if first
        else _("No entries")
    )
    return [Check(_("Tamper-evident audit trail"), detail, reverse("audit:list"), first is not None)]


CHECKS: dict[str, Callable[[dt.date], list[Check]]] = {
    "ledger": _ledger,
    "risk": _risk,
    "nonconformity": _nonconformity,
    "contractors": _contractors,
    "playbooks": _playbooks,
    "incidents": _incidents,
    "scans": _scans,
    "users": _users,
    "audit_trail": _audit_trail,
}


def _training(today: dt.date) -> list[Check]:
    from mamori.pms.services_training import fiscal_year, standings

    year = fiscal_year(today)
    lines = standings(SYSTEM, year, today)
    url = reverse("pms:training")
    if not lines:
        return [Check(_("Training planned this fiscal year"), _("No course"), url, False)]
    overdue = sum(1 for line in lines if line.overdue)
    passed = sum(1 for line in lines if line.passed)
    return [
        Check(
            _("Training passed this fiscal year"),
            _("%(done)d of %(all)d") % {"done": passed, "all": len(lines)},
            url,
            None,
        ),
        Check(_("Training past its due date"), str(overdue), url, overdue == 0),
    ]


def _internal_audit(today: dt.date) -> list[Check]:
    from mamori.pms.models import AuditPlan, AuditPlanStatus

    latest = AuditPlan.objects.filter(status=AuditPlanStatus.REPORTED).order_by("-reported_at").first()
    recent = latest is not None and latest.reported_at is not None and latest.reported_at.date() >= today - YEAR
    detail = timezone.localdate(latest.reported_at).isoformat() if latest and latest.reported_at else _("None reported")
    return [Check(_("Internal audit reported within a year"), detail, reverse("pms:audits"), recent)]


def _management_review(today: dt.date) -> list[Check]:
    from mamori.pms.models import ManagementReview, ReviewStatus

    latest = ManagementReview.objects.filter(status=ReviewStatus.APPROVED).order_by("-approved_at").first()
    recent = latest is not None and latest.approved_at is not None and latest.approved_at.date() >= today - YEAR
    detail = timezone.localdate(latest.approved_at).isoformat() if latest and latest.approved_at else _("None approved")
    return [Check(_("Management review approved within a year"), detail, reverse("pms:reviews"), recent)]


CHECKS.update({"training": _training, "internal_audit": _internal_audit, "management_review": _management_review})


def _documents(today: dt.date) -> list[Check]:
    from mamori.pms.models import Document, DocumentKind
    from mamori.pms.services_documents import overdue_versions

    url = reverse("pms:documents")
    checks = []
    for kind in (DocumentKind.EXTERNAL_POLICY, DocumentKind.INTERNAL_POLICY):
        current = [d.current_version() for d in Document.objects.filter(kind=kind, withdrawn_at__isnull=True)]
        in_force = [v for v in current if v is not None]
        published = kind != DocumentKind.EXTERNAL_POLICY or any(v.published_on for v in in_force)
        checks.append(
            Check(
                str(kind.label), _("Approved") if in_force else _("Not approved yet"), url, bool(in_force) and published
            )
        )
    rules = sum(
        1 for d in Document.objects.filter(kind=DocumentKind.RULE, withdrawn_at__isnull=True) if d.current_version()
    )
    checks.append(Check(_("Internal rules in force"), str(rules), url, rules > 0))
    waiting = overdue_versions(today)
    checks.append(Check(_("Drafts waiting over 30 days for approval"), str(waiting), url, waiting == 0))
    return checks


def _requests(today: dt.date) -> list[Check]:
    from mamori.pms.models import CLOSED_REQUEST, SubjectRequest

    late = SubjectRequest.objects.exclude(status__in=CLOSED_REQUEST).filter(due_date__lt=today).count()
    return [Check(_("Requests from persons past their answer date"), str(late), reverse("pms:requests"), late == 0)]


def _complaints(today: dt.date) -> list[Check]:
    from mamori.pms.models import Complaint, ComplaintStatus

    open_items = Complaint.objects.exclude(status=ComplaintStatus.CLOSED)
    stale = open_items.filter(received_on__lt=today - dt.timedelta(days=30)).count()
    return [
        Check(_("Open complaints and inquiries"), str(open_items.count()), reverse("pms:complaints"), None),
        Check(_("Complaints open for more than 30 days"), str(stale), reverse("pms:complaints"), stale == 0),
    ]


CHECKS.update({"documents": _documents, "requests": _requests, "complaints": _complaints})
