"""Incident cases over the API: /api/v1/cases/ (same rules and audit trail as the UI).

A contractor user's new case always belongs to the user's own contractor (the service sets it), and
the ``contractor`` field accepts only contractors the user may see.
"""

from __future__ import annotations

from typing import Any

import django_filters
from rest_framework import serializers

from mamori.api.filters import IdFilter
from mamori.api.viewsets import ServiceViewSet
from mamori.contractors.api import VisibleContractorField
from mamori.incidents import services
from mamori.incidents.models import IncidentCase


class IncidentCaseSerializer(serializers.ModelSerializer):
    contractor = VisibleContractorField(allow_null=True, required=False)
    contractor_name = serializers.SerializerMethodField()

    class Meta:
        model = IncidentCase
        fields = [
            "id",
            "title",
            "summary",
            "status",
            "discovered_at",
            "contractor",
            "contractor_name",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def get_contractor_name(self, case: IncidentCase) -> str | None:
        return case.contractor.name if case.contractor else None


class IncidentCaseFilter(django_filters.FilterSet):
    # An id, not a choice: a choice list would tell contractor users which other contractors exist.
    contractor = IdFilter(field_name="contractor_id")
    internal = django_filters.BooleanFilter(field_name="contractor", lookup_expr="isnull")
    discovered_after = django_filters.IsoDateTimeFilter(field_name="discovered_at", lookup_expr="gte")
    discovered_before = django_filters.IsoDateTimeFilter(field_name="discovered_at", lookup_expr="lt")

    class Meta:
        model = IncidentCase
        fields = ["status", "contractor", "internal", "discovered_after", "discovered_before"]


class IncidentCaseViewSet(ServiceViewSet):
    """Incident cases (インシデント事案). Contractor users see their contractor's cases, investigators the
    cases they are invited to until the invitation ends."""

    policy_resource = services.RESOURCE
    queryset = IncidentCase.objects.select_related("contractor")
    serializer_class = IncidentCaseSerializer
    filterset_class = IncidentCaseFilter
    search_fields = ["title", "summary"]
    ordering_fields = ["discovered_at", "created_at", "updated_at", "title", "status"]
    ordering = ["-discovered_at", "-id"]

    def create_record(self, data: dict[str, Any]) -> IncidentCase:
        return services.create_case(self.request.user, data)

    def update_record(self, obj: IncidentCase, data: dict[str, Any]) -> IncidentCase:
        return services.update_case(self.request.user, obj, data)

    def delete_record(self, obj: IncidentCase) -> None:
        services.delete_case(self.request.user, obj)
