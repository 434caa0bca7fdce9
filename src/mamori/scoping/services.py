"""Scoping (影響範囲の特定) state changes: one function per change, each checked by the policy and audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mamori.scoping.models import Scoping, ScopingStatus

if TYPE_CHECKING:
    from mamori.incidents.models import IncidentCase


def current_scoping(case: IncidentCase) -> Scoping | None:
    """The case's current affected list: its latest succeeded scoping that is neither superseded nor archived.

    Card-list matching and notices read the affected people through this (no permission check here: the caller
    has already checked that the actor may see the case)."""
    return (
        Scoping.objects.filter(case=case, status=ScopingStatus.SUCCEEDED, archived_at__isnull=True)
        .order_by("-version")
        .first()
    )
