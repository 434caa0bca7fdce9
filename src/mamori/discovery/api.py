"""Data sources and scans over the API: /api/v1/data-sources/ and /api/v1/scans/.

``password`` is write-only; ``POST /api/v1/data-sources/{id}/scan/`` queues a scan and
``POST /api/v1/data-sources/{id}/test/`` tests the connection. Scans are read-only.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.api.viewsets import PolicyViewSet, ServiceViewSet
from mamori.contractors.models import Contractor
from mamori.discovery import services
from mamori.discovery.models import DataSource, Scan, ScanFinding
from mamori.ledger.models import LedgerEntry


class _Visible(serializers.PrimaryKeyRelatedField):
    resource = ""
    model: type[Model] = Model

    def get_queryset(self) -> QuerySet[Any]:
        request = self.context.get("request")
        return policy.scope(getattr(request, "user", None), self.resource, self.model._default_manager.all())


class VisibleLedgerEntries(_Visible):
    resource, model = "ledger_entry", LedgerEntry


class VisibleContractor(_Visible):
    resource, model = "contractor", Contractor


class DataSourceSerializer(serializers.ModelSerializer):
    password = serializers.CharField(write_only=True, required=False, allow_blank=True, trim_whitespace=False)
    ledger_entries = VisibleLedgerEntries(many=True, required=False)
    contractor = VisibleContractor(required=False, allow_null=True)
    has_secret = serializers.BooleanField(read_only=True)

    class Meta:
        model = DataSource
        fields = ["id", "name", "kind", "location", "password", "has_secret", "ledger_entries", "contractor", "notes"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        kind = attrs.get("kind", getattr(self.instance, "kind", ""))
        location = attrs.get("location", getattr(self.instance, "location", ""))
        try:
            services.validate_location(kind, location)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        return attrs


class DataSourceViewSet(ServiceViewSet):
    queryset = DataSource.objects.select_related("contractor").prefetch_related("ledger_entries")
    serializer_class = DataSourceSerializer
    policy_resource = services.SOURCE
    policy_actions = {"scan": Action.VIEW, "test": Action.VIEW}

    def create_record(self, data: dict[str, Any]) -> Model:
        password = data.pop("password", "")
        return services.create_source(self.request.user, data, password)

    def update_record(self, obj: Any, data: dict[str, Any]) -> Model:
        password = data.pop("password", "")
        return services.update_source(self.request.user, obj, data, password)

    def delete_record(self, obj: Any) -> None:
        services.delete_source(self.request.user, obj)

    @action(detail=True, methods=["post"])
    def scan(self, request: Request, pk: str | None = None) -> Response:
        scan = services.start_scan(request.user, self.get_object())
        return Response(ScanSerializer(scan).data, status=202)

    @action(detail=True, methods=["post"])
    def test(self, request: Request, pk: str | None = None) -> Response:
        result = services.test_connection(request.user, self.get_object())
        return Response({"ok": result.ok, "message": result.message})


class ScanFindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScanFinding
        fields = [
            "id",
            "type",
            "path",
            "line",
            "sheet",
            "cell",
            "table",
            "column",
            "examples",
            "fingerprint",
            "rows_matched",
            "rows_scanned",
            "match_ratio",
            "confidence",
            "severity",
            "data_class",
            "evidence",
        ]


class ScanSerializer(serializers.ModelSerializer):
    # Plain text rather than an enum: the schema already has other "status" enums and names would collide.
    status = serializers.CharField(read_only=True, help_text="queued, running, succeeded or failed")
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Scan
        fields = [
            "id",
            "source",
            "status",
            "progress",
            "created_at",
            "started_at",
            "finished_at",
            "items_scanned",
            "rows_scanned",
            "findings_count",
            "prohibited_count",
            "error",
        ]

    @extend_schema_field(int)
    def get_progress(self, scan: Scan) -> int:
        return 100 if scan.is_finished else (scan.job.progress if scan.job else 0)


class ScanDetailSerializer(ScanSerializer):
    findings = ScanFindingSerializer(many=True, read_only=True)

    class Meta(ScanSerializer.Meta):
        fields = [*ScanSerializer.Meta.fields, "findings"]


class ScanViewSet(PolicyViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    queryset = Scan.objects.select_related("job")
    policy_resource = services.SCAN

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return ScanDetailSerializer if self.action == "retrieve" else ScanSerializer
