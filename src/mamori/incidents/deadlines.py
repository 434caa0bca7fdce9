"""Due dates of incident cases (期限): report deadlines, tasks, preservation acknowledgements, hold reviews.

Each part of the incident features contributes its own due dates through a provider registered here; the
dashboard, the case page and the reminder job read them all through ``for_case`` and ``upcoming``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from mamori.incidents.models import IncidentCase


@dataclass(frozen=True)
class Deadline:
    """One due date. ``key`` is stable (e.g. "case:3:appi:final") so a reminder for it is sent once per stage;
    ``earliest`` is set for a range (the preliminary report's 3–5 days)."""

    key: str
    case_id: int
    title: str  # already translated for the current language
    due: dt.date
    earliest: dt.date | None = None
    basis: str = ""  # the rule or article the date comes from
    done: bool = False
    url: str = ""
    recipients: tuple[int, ...] = ()  # user ids to remind (empty: the case's managers)


Provider = Callable[[IncidentCase], Iterable[Deadline]]
_PROVIDERS: list[Provider] = []


def provider(fn: Provider) -> Provider:
    """Register a function that lists the due dates one part of Mamori knows for a case."""
    _PROVIDERS.append(fn)
    return fn


def for_case(case: IncidentCase) -> list[Deadline]:
    found = [d for fn in _PROVIDERS for d in fn(case)]
    return sorted(found, key=lambda d: (d.due, d.title))
