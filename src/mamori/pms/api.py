"""The requirements catalogue over the API: /api/v1/controls/ (read; PATCH owner, status, note) and
/api/v1/controls/readiness/ (the readiness summary). Same rules and audit trail as the pages."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from mamori.accounts import policy
from mamori.accounts.models import User
from mamori.accounts.policy import Action
from mamori.api.viewsets import ServiceViewSet
from mamori.pms import api_records, readiness, services
from mamori.pms.models import Control


class ControlSerializer(serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), allow_null=True, required=False
    )

    class Meta:
        model = Control
        fields = [
            "id",
            "key",
            "code",
            "number_confirmed",
            "group",
            "title_ja",
            "title_en",
            "a2017",
            "a2017_mapping",
            "owner",
            "status",
            "note",
            "retired_at",
            "updated_at",
        ]
        read_only_fields = [f for f in fields if f not in services.EDITABLE]


ReadinessSerializer = inline_serializer(
    "Readiness",
    {
        "percent": serializers.IntegerField(),
        "ready": serializers.IntegerField(),
        "applicable": serializers.IntegerField(),
        "gaps": serializers.ListField(
            child=serializers.IntegerField(), help_text="ids of the requirements that are gaps"
        ),
    },
)


@extend_schema(tags=api_records.TAGS)
class ControlViewSet(ServiceViewSet):
    """JIS Q 15001 requirements (要求事項). The catalogue text comes from the catalogue file; owner, status and
    note are the company's."""

    policy_resource = services.RESOURCE
    queryset = Control.objects.select_related("owner")
    serializer_class = ControlSerializer
    http_method_names = ["get", "patch", "head", "options"]
    filterset_fields = ["status", "group"]
    search_fields = ["code", "title_ja", "title_en", "a2017"]
    ordering_fields = ["order", "code"]
    ordering = ["order"]

    def update_record(self, obj: Any, data: dict[str, Any]) -> Model:
        return services.update_control(self.request.user, obj, data)

    @extend_schema(responses=ReadinessSerializer)
    @action(detail=False, methods=["get"])
    def readiness(self, request: Request) -> Response:
        policy.check(request.user, Action.VIEW, services.RESOURCE)
        report = readiness.compute()
        return Response(
            {
                "percent": report.percent,
                "ready": report.ready,
                "applicable": report.applicable,
                "gaps": [row.control.pk for row in report.gaps],
            }
        )


def register(router: DefaultRouter) -> None:
    router.register("controls", ControlViewSet, basename="control")
    api_records.register(router)  # the other PMS records, read-only
