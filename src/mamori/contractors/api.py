"""Contractors over the API: /api/v1/contractors/ (same rules and audit trail as the UI)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from rest_framework import serializers

from mamori.accounts import policy
from mamori.api.viewsets import ServiceViewSet
from mamori.contractors import services
from mamori.contractors.models import Contractor


class VisibleContractorField(serializers.PrimaryKeyRelatedField):
    """A contractor id; only contractors the requesting user may see are accepted (others read as unknown)."""

    def get_queryset(self) -> QuerySet[Contractor]:
        request = self.context.get("request")
        return policy.scope(getattr(request, "user", None), services.RESOURCE, Contractor.objects.all())


class ContractorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contractor
        fields = [
            "id",
            "name",
            "corporate_number",
            "services",
            "contact_name",
            "contact_email",
            "contact_phone",
            "active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class ContractorFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Contractor
        fields = ["name", "corporate_number", "active"]


class ContractorViewSet(ServiceViewSet):
    """Contractors (委託先). Contractor users see only their own contractor."""

    policy_resource = services.RESOURCE
    queryset = Contractor.objects.all()
    serializer_class = ContractorSerializer
    filterset_class = ContractorFilter
    search_fields = ["name", "corporate_number", "contact_name", "services"]
    ordering_fields = ["name", "created_at", "updated_at"]
    ordering = ["name"]

    def create_record(self, data: dict[str, Any]) -> Contractor:
        return services.create_contractor(self.request.user, data)

    def update_record(self, obj: Contractor, data: dict[str, Any]) -> Contractor:
        return services.update_contractor(self.request.user, obj, data)

    def delete_record(self, obj: Contractor) -> None:
        services.delete_contractor(self.request.user, obj)
