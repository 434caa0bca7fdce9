"""The demo's contractor supervision: the server contractor was selected and approved in 2017, but its contract
(like the real one in the 2018 case) says nothing about incidents — so the app warns; the delivery contractor's
contract has every clause, and its yearly review is overdue. No manual is made here: making the first version
is a step of the demo walk-through."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils import timezone

from mamori.accounts.policy import SYSTEM
from mamori.audit import services as audit
from mamori.contractors import checklist, services
from mamori.contractors.models import Contract, Contractor, SelectionCriterion

SERVER_CONTRACT = "システム運用保守業務委託契約書"
LOGISTICS_CONTRACT = "配送業務委託契約書(個人情報の取扱いに関する覚書を含む)"


def ensure_criteria() -> None:
    """Put back the shipped selection criteria that are missing (a flushed test database lost migration 0003's rows)."""
    for order, (name, name_en, weight) in enumerate(checklist.DEFAULT_CRITERIA, start=1):
        if not SelectionCriterion.objects.filter(name=name).exists():
            criterion = SelectionCriterion.objects.create(name=name, name_en=name_en, weight=weight, order=order)
            audit.record_create(SYSTEM, criterion)


def load_demo_contractors(contractors: Sequence[Contractor]) -> None:
    """Contracts, an approved evaluation and reviews for the demo's two contractors (server, then logistics)."""
    ensure_criteria()
    server, logistics = contractors[0], contractors[1]
    today = timezone.localdate()
    if not server.contracts.filter(title=SERVER_CONTRACT).exists():
        # The shop's card payment page runs on the server it operates: card data passes its machines even though
        # the company declares non-retention (and in 2018 the server in fact held card data).
        services.update_contractor(SYSTEM, server, {"handles_card_data": True})
        items = {key: {"present": True, "clause": f"第{n}条"} for n, key in enumerate(checklist.REQUIRED_ITEMS, 3)}
        items["g_incident_reporting"] = {"present": False, "clause": ""}  # "report promptly" and nothing more
        services.create_contract(
            SYSTEM,
            server,
            {
                "title": SERVER_CONTRACT,
                "reference": "NSS-2017-004",
                "signed_on": dt.date(2017, 4, 1),
                "starts_on": dt.date(2017, 4, 1),
                "notes": "自動更新。事故時の通知期限・証拠保全・削除禁止の定めがない。",
                "checklist": items,
            },
        )
        criteria = list(services.active_criteria())
        evaluation = services.create_evaluation(
            SYSTEM,
            server,
            {"evaluated_on": dt.date(2017, 3, 15), "notes": "価格と対応の早さで選定。"},
            {c.pk: (4, "") for c in criteria},
        )
        services.approve_evaluation(SYSTEM, evaluation)
        services.schedule_review(SYSTEM, server, today + dt.timedelta(days=60))
    if not logistics.contracts.filter(title=LOGISTICS_CONTRACT).exists():
        items = {key: {"present": True, "clause": f"第{n}条"} for n, key in enumerate(checklist.ALL_ITEMS, 2)}
        services.create_contract(
            SYSTEM,
            logistics,
            {
                "title": LOGISTICS_CONTRACT,
                "reference": "KL-2016-011",
                "signed_on": dt.date(2016, 10, 1),
                "starts_on": dt.date(2016, 10, 1),
                "notice_hours": 24,
                "log_retention_days": 365,
                "checklist": items,
            },
        )
        services.schedule_review(SYSTEM, logistics, today - dt.timedelta(days=10))


def demo_contract(contractor: Contractor) -> Contract | None:
    return contractor.contracts.filter(title__in=[SERVER_CONTRACT, LOGISTICS_CONTRACT]).first()
