"""The audit trail over the API, read-only: /api/v1/audit-entries/.

Listing entries is viewing (the role's VIEW grant), not an export; exports are their own endpoints.
"""

from __future__ import annotations

import django_filters
from rest_framework import mixins, serializers

from mamori.api.viewsets import PolicyViewSet
from mamori.audit.chain import HASHED_FIELDS
from mamori.audit.models import AuditEntry

RESOURCE = "audit_entry"


class AuditEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEntry
        fields = ["id", *HASHED_FIELDS, "hash"]  # everything the hash covers, so a client can check it
        read_only_fields = fields


class AuditEntryFilter(django_filters.FilterSet):
    actor_username = django_filters.CharFilter(lookup_expr="iexact")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = AuditEntry
        fields = ["action", "object_type", "object_id", "actor_username", "actor_role", "via"]


class AuditEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """Audit entries (監査証跡), newest first. Filter by action, record, who and time."""

    policy_resource = RESOURCE
    queryset = AuditEntry.objects.all()
    serializer_class = AuditEntrySerializer
    filterset_class = AuditEntryFilter
    search_fields = ["object_repr", "message"]
    ordering_fields = ["seq", "created_at"]
    ordering = ["-seq"]
