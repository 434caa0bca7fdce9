"""What a legal hold (証拠保全) protects, and the one refusal every deleting service calls.

A case under hold protects its evidence, the data sources linked to it, their scans and the scans' findings.
Any service that would delete, destroy or replace one of those calls ``refuse_if_held(obj)`` first.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from mamori.incidents.models import IncidentCase


class UnderHold(PermissionDenied):
    """The record belongs to a case under legal hold. A PermissionDenied, so pages answer 403 and the API a
    JSON 403 with this message, whichever way the deletion was asked for."""

    def __init__(self, case: IncidentCase) -> None:
        message = _('The case "%(case)s" is under legal hold, so this cannot be deleted.') % {"case": case.title}
        super().__init__(message)
        self.case = case
        self.user_message = message  # shown on the 403 page instead of the generic role message


def held_cases(obj: Model) -> QuerySet[IncidentCase]:
    """The cases under hold that protect ``obj`` (evidence, a data source, a scan, a finding, a case)."""
    from mamori.discovery.models import DataSource, Scan, ScanFinding
    from mamori.evidence.models import Evidence

    held = IncidentCase.objects.filter(legal_hold=True)
    if isinstance(obj, IncidentCase):
        return held.filter(pk=obj.pk)
    if isinstance(obj, Evidence):
        return held.filter(pk=obj.case_id)
    if isinstance(obj, DataSource):
        source_id = obj.pk
    elif isinstance(obj, Scan):
        source_id = obj.source_id
    elif isinstance(obj, ScanFinding):
        source_id = obj.scan.source_id
    else:
        return held.none()
    # Linked to the case, or the source of a preserved copy in the case's evidence.
    protecting = held.filter(Q(data_sources=source_id) | Q(evidence__source_id=source_id)).values("pk")
    return IncidentCase.objects.filter(pk__in=protecting).order_by("pk")


def holding_case(obj: Model) -> IncidentCase | None:
    return held_cases(obj).first()


def refuse_if_held(obj: Model) -> None:
    """Raise ``UnderHold`` (a PermissionDenied naming the case) when a case under hold protects ``obj``."""
    case = holding_case(obj)
    if case is not None:
        raise UnderHold(case)
