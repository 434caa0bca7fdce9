"""The areas of Mamori, in menu order. Planned areas show a page that says what will be there."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Area:
    key: str
    label: Promise
    url_name: str
    resource: str | None  # policy resource whose VIEW right shows the entry; None: everyone signed in
    description: Promise
    available: bool = True
    contractors_only: bool = False  # shown to contractor users only (their portal)


AREAS: tuple[Area, ...] = (
    Area("dashboard", _("Dashboard"), "core:dashboard", None, _("What needs attention today.")),
    Area(
        "ledger",
        _("Personal-information ledger"),
        "ledger:list",
        "ledger_entry",
        _(
            "The register of personal information you hold (個人情報管理台帳): purposes, locations, retention, "
            "contractors, with its history, import and export."
        ),
    ),
    Area(
        "discovery",
        _("Discovery"),
        "discovery:list",
        "data_source",
        _("Scans of files and databases that find card data and personal data, compared with the ledger."),
        available=True,
    ),
    Area(
        "risk",
        _("Risk assessment"),
        "risk:list",
        "risk",
        _("Risks per ledger entry and lifecycle stage, their measures and treatment, with a heat map."),
    ),
    Area(
        "contractors",
        _("Contractors"),
        "contractors:list",
        "contractor",
        _("Contractors that handle personal data, their contracts and incident clauses."),
    ),
    Area(
        "portal",
        _("Contractor portal"),
        "incidents:portal-home",
        "preservation_notice",
        _("Report an incident to your client, acknowledge preservation notices, your tasks and evidence uploads."),
        contractors_only=True,
    ),
    Area(
        "incident_manual",
        _("Incident manual"),
        "contractors:portal-manual",
        "contractor_manual",
        _("The joint incident manual agreed with your client: read it and confirm it every year."),
        contractors_only=True,
    ),
    Area(
        "incidents",
        _("Incidents"),
        "incidents:list",
        "incident_case",
        _("Incident cases: timeline, evidence under legal hold, APPI deadlines and notifications."),
    ),
    Area(
        "cardlists",
        _("Card-company lists"),
        "cardlists:list",
        "card_list",
        _("Card numbers sent by card companies, kept as masks and fingerprints, matched against shops and copies."),
    ),
    Area(
        "inquiry",
        _("Inquiry desk"),
        "scoping:inquiry",
        "scoping_inquiry",
        _("Check whether a caller is among the people affected by a breach (yes or no; every lookup recorded)."),
    ),
    Area(
        "pms",
        _("Management system"),
        "pms:home",
        "training_course",  # every internal role has a part of it: at least its own training
        _(
            "JIS Q 15001 requirements and the Privacy Mark readiness report, training, internal audits, management "
            "reviews, documents, requests from persons and complaints."
        ),
    ),
    Area("jobs", _("Background jobs"), "jobs:list", "job", _("Scans, reminders and e-mail running in the background.")),
    Area("audit", _("Audit trail"), "audit:list", "audit_entry", _("Every change, login, export and download.")),
    Area("users", _("Users"), "accounts:user_list", "user", _("People who use Mamori and their roles.")),
)

AREAS_BY_KEY = {a.key: a for a in AREAS}
