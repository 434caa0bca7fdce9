"""Small template helpers for the layout: which menu entry is current, and the dashboard cards per role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from mamori.core.navigation import AREAS_BY_KEY, Area

register = template.Library()

INTERNAL = frozenset({"top_management", "protection_manager", "audit_manager", "staff"})
OVERSIGHT = frozenset({"top_management", "protection_manager", "audit_manager"})


@dataclass(frozen=True)
class PlannedCard:
    """A dashboard card for an area still being built: it says what it will show, and to whom."""

    title: Promise
    description: Promise
    area_key: str
    roles: frozenset[str]

    @property
    def href(self) -> str:
        """The area's own page once it exists, else the page that says what it will hold."""
        return area_href(AREAS_BY_KEY[self.area_key])


PLANNED_CARDS: tuple[PlannedCard, ...] = (
    PlannedCard(
        _("Ledger entries due for review"),
        _("Entries of the personal-information ledger whose yearly review is due or overdue."),
        "ledger",
        frozenset({"protection_manager", "top_management", "audit_manager"}),
    ),
    PlannedCard(
        _("Scan findings"),
        _("Card data and personal data found by the latest scans that are not in the ledger yet."),
        "discovery",
        frozenset({"protection_manager", "audit_manager"}),
    ),
    PlannedCard(
        _("Risks above tolerance"),
        _("Risks whose residual level is above the accepted level, with the owner of each measure."),
        "risk",
        OVERSIGHT,
    ),
    # Training and internal audits are real cards now (overdue list, readiness: core/dashboard_cards.py).
)


@register.simple_tag
def area_href(area: Area) -> str:
    """The menu link: the area's page, or the page describing a planned area."""
    if area.available:
        try:
            return reverse(area.url_name)
        except NoReverseMatch:  # an area marked available before its URLs are registered
            pass
    return reverse("core:area", args=[area.key])


@register.simple_tag(takes_context=True)
def is_current(context: dict[str, Any], area: Area) -> bool:
    """True when the page being shown belongs to this menu entry (for aria-current)."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if match is None:
        return False
    if not area.available:
        return bool(match.view_name == "core:area" and match.kwargs.get("key") == area.key)
    namespace = area.url_name.split(":", 1)[0]
    if namespace == "core":
        return bool(match.view_name == area.url_name)
    if namespace == "accounts":
        return bool(match.namespace == "accounts" and match.url_name.startswith("user"))
    is_portal = bool(match.url_name and match.url_name.startswith("portal-"))
    if area.contractors_only:
        return bool(match.namespace == namespace and is_portal)
    if namespace == "incidents" and is_portal:
        return False  # the contractor portal has its own menu entry
    if match.namespace == "scoping":  # a case's scoping pages belong to incidents; the inquiry desk is its own
        inquiry = match.url_name == "inquiry"
        return area.url_name == "scoping:inquiry" if inquiry else namespace == "incidents"
    return bool(match.namespace == namespace)


@register.simple_tag
def planned_cards(user: Any) -> list[PlannedCard]:
    """The placeholder cards this user's role will see once their areas exist."""
    role = getattr(user, "role", None)
    return [card for card in PLANNED_CARDS if role in card.roles and not AREAS_BY_KEY[card.area_key].available]
