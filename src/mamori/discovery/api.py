"""Data sources and scans over the API: /api/v1/data-sources/ and /api/v1/scans/.

``password`` is write-only; ``POST /api/v1/data-sources/{id}/scan/`` queues a scan and
``POST /api/v1/data-sources/{id}/test/`` queues a connection test (202 with its job; while one is queued or
running, 409 with that one); ``GET`` on the same address gives the latest test and its result. Scans are
read-only; reading one scan's findings is audited, and so is each page of
``GET /api/v1/scans/{id}/findings/{finding_id}/locations/`` (every stored location of a file finding, with its
masked value only; ``?page=2&page_size=100``).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.api.fields import rfc3339
from mamori.api.pagination import page_parameters
from mamori.api.viewsets import PolicyViewSet, ServiceViewSet
from mamori.contractors.models import Contractor
from mamori.discovery import services
from mamori.discovery.models import DataSource, FindingLocation, Scan, ScanFinding
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

    def to_representation(self, instance: DataSource) -> dict[str, Any]:
        data = super().to_representation(instance)
        # Only the linked entries the reader may see: a contractor never learns the ids of internal entries.
        request = self.context.get("request")
        visible = set(
            policy.scope(getattr(request, "user", None), "ledger_entry", instance.ledger_entries.all()).values_list(
                "pk", flat=True
            )
        )
        data["ledger_entries"] = [pk for pk in data.get("ledger_entries", []) if pk in visible]
        return data

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        kind = attrs.get("kind", getattr(self.instance, "kind", ""))
        location = attrs.get("location", getattr(self.instance, "location", ""))
        try:
            services.validate_location(kind, location)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        return attrs


def _check_uuid(name: str, value: str) -> None:
    try:
        uuid.UUID(value)
    except ValueError:
        raise serializers.ValidationError({name: [_("Give a job id (a UUID).")]}) from None


class ConnectionTestSerializer(serializers.Serializer):
    """A connection test of a data source: its job and, once finished, the result."""

    job = serializers.UUIDField()
    status = serializers.CharField(help_text="queued, running, succeeded or failed")
    already_running = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    ok = serializers.BooleanField(allow_null=True, help_text="null until the test has finished")
    message = serializers.CharField(allow_blank=True)


def connection_test_data(test: services.ConnectionTest) -> dict[str, Any]:
    result = test.result
    return {
        "job": str(test.job.pk),
        "status": test.job.status,
        "already_running": test.already_running,
        "created_at": rfc3339(test.job.created_at),
        "started_at": rfc3339(test.job.started_at) if test.job.started_at else None,
        "finished_at": rfc3339(test.job.finished_at) if test.job.finished_at else None,
        "ok": result.ok if result else None,
        "message": result.message if result else "",
    }


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
            "rows_matched",
            "rows_scanned",
            "match_ratio",
            "confidence",
            "severity",
            "data_class",
            "evidence",
        ]


class FindingLocationSerializer(serializers.ModelSerializer):
    class Meta:
        model = FindingLocation
        fields = ["id", "line", "column", "sheet", "cell", "masked"]


class PagedLocationsSerializer(serializers.Serializer):
    count = serializers.IntegerField(min_value=0)
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = FindingLocationSerializer(many=True)


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


class DataSourceViewSet(ServiceViewSet):
    queryset = DataSource.objects.select_related("contractor").prefetch_related("ledger_entries")
    serializer_class = DataSourceSerializer
    policy_resource = services.SOURCE
    policy_actions = {"scan": Action.VIEW, "test": Action.TEST_CONNECTION}

    def create_record(self, data: dict[str, Any]) -> Model:
        password = data.pop("password", "")
        return services.create_source(self.request.user, data, password)

    def update_record(self, obj: Any, data: dict[str, Any]) -> Model:
        password = data.pop("password", "")
        return services.update_source(self.request.user, obj, data, password)

    def delete_record(self, obj: Any) -> None:
        services.delete_source(self.request.user, obj)

    query_parameters = {"test": {"job"}}

    @extend_schema(request=None, responses={202: ScanSerializer}, description="Queue a scan of the data source.")
    @action(detail=True, methods=["post"])
    def scan(self, request: Request, pk: str | None = None) -> Response:
        scan = services.start_scan(request.user, self.get_object())
        return Response(ScanSerializer(scan).data, status=202)

    @extend_schema(
        methods=["GET"],
        parameters=[
            OpenApiParameter(
                "job",
                {"type": "string", "format": "uuid"},
                OpenApiParameter.QUERY,
                description="One test's job id (from the POST's answer); without it, the latest test.",
            )
        ],
        responses={200: ConnectionTestSerializer},
        description="The latest connection test of the data source (or the one with ?job=) and its result; "
        "404 when there is none yet.",
    )
    @extend_schema(
        methods=["POST"],
        request=None,
        responses={202: ConnectionTestSerializer, 409: ConnectionTestSerializer},
        description="Queue a connection test (the body is not read). 202 with the new test; 409 with the test "
        "already queued or running.",
    )
    @action(detail=True, methods=["get", "post"])
    def test(self, request: Request, pk: str | None = None) -> Response:
        source = self.get_object()
        if request.method == "GET":
            job = request.query_params.get("job")
            if job is not None:
                _check_uuid("job", job)
            latest = services.latest_connection_test(source, job)
            if latest is None:
                raise NotFound(_("No connection test of this data source yet."))
            return Response(connection_test_data(latest))
        started = services.start_connection_test(request.user, source)
        return Response(connection_test_data(started), status=409 if started.already_running else 202)


class ScanViewSet(PolicyViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    queryset = Scan.objects.select_related("job")
    policy_resource = services.SCAN
    query_parameters = {"locations": {"page", "page_size"}}

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return ScanDetailSerializer if self.action == "retrieve" else ScanSerializer

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        scan = self.get_object()
        services.record_findings_read(request.user, scan, "api")
        return Response(ScanDetailSerializer(scan, context=self.get_serializer_context()).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "finding_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="A finding of this scan."
            ),
            *page_parameters(),
        ],
        responses=PagedLocationsSerializer,
        description="Every stored location of one finding of this scan (file findings; at most 10,000 kept, "
        "the true count is the finding's rows_matched), in the order found, with masked values only.",
    )
    @action(detail=True, methods=["get"], url_path=r"findings/(?P<finding_id>[0-9]+)/locations", filter_backends=[])
    def locations(self, request: Request, pk: str | None = None, finding_id: str | None = None) -> Response:
        scan = self.get_object()
        where = f"api, page {str(request.query_params.get('page', '1'))[:10]}"
        try:
            _finding, locations = services.finding_locations(request.user, scan, int(finding_id or 0), where)
        except ScanFinding.DoesNotExist:
            raise Http404("No finding matches the given query.") from None
        page = self.paginate_queryset(locations)
        return self.get_paginated_response(FindingLocationSerializer(page, many=True).data)
