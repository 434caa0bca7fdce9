"""Contractor supervision over the API (same services, policy and audit trail as the pages):

- ``GET /api/v1/contractor-evaluations/``, ``…/contractor-contracts/``, ``…/contractor-reviews/``: the records
  (read-only; changes go through the pages, which show the checklist being filled);
- ``GET /api/v1/contractor-warnings/``: what ``contractors.services.warnings`` gives the caller;
- ``GET /api/v1/contractor-manuals/``: manual versions (contractor users: their own contractor's), with hashes;
  ``POST /api/v1/contractor-manuals/{id}/acknowledge/``: a contractor user confirms the current version.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from mamori.accounts.policy import Action
from mamori.api.viewsets import PolicyViewSet
from mamori.contractors import manual, services
from mamori.contractors.models import Contract, ContractorReview, ManualVersion, SelectionEvaluation


class EvaluationSerializer(serializers.ModelSerializer):
    passed = serializers.BooleanField(read_only=True)

    class Meta:
        model = SelectionEvaluation
        fields = [
            "id",
            "contractor",
            "evaluated_on",
            "evaluator",
            "pass_percent",
            "total_percent",
            "passed",
            "approved_by",
            "approved_at",
            "archived_at",
        ]
        read_only_fields = fields


class ContractSerializer(serializers.ModelSerializer):
    missing_incident_clauses = serializers.SerializerMethodField()

    class Meta:
        model = Contract
        fields = [
            "id",
            "contractor",
            "title",
            "reference",
            "signed_on",
            "starts_on",
            "ends_on",
            "notice_hours",
            "log_retention_days",
            "checklist",
            "missing_incident_clauses",
            "archived_at",
        ]
        read_only_fields = fields

    def get_missing_incident_clauses(self, obj: Contract) -> list[str]:
        return services.missing_incident_clauses(obj)


class ReviewSerializer(serializers.ModelSerializer):
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = ContractorReview
        fields = ["id", "contractor", "due_on", "done_on", "result", "findings", "overdue", "archived_at"]
        read_only_fields = fields

    def get_overdue(self, obj: ContractorReview) -> bool:
        return obj.overdue()


class ManualVersionSerializer(serializers.ModelSerializer):
    acknowledged_at = serializers.SerializerMethodField()

    class Meta:
        model = ManualVersion
        fields = ["id", "contractor", "version", "generated_at", "docx_sha256", "pdf_sha256", "acknowledged_at"]
        read_only_fields = fields

    def get_acknowledged_at(self, obj: ManualVersion) -> Any:
        ack = manual.last_acknowledgement(obj)
        return ack.acknowledged_at if ack else None


class WarningSerializer(serializers.Serializer):
    kind = serializers.CharField()
    contractor_id = serializers.IntegerField()
    contractor_name = serializers.CharField()
    message = serializers.CharField()
    url = serializers.CharField()
    due = serializers.DateField(allow_null=True)


class _ReadOnly(PolicyViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    policy_resource = services.SUPERVISION


class EvaluationViewSet(_ReadOnly):
    """Selection evaluations (委託先の選定評価)."""

    queryset = SelectionEvaluation.objects.order_by("-evaluated_on", "-pk")
    serializer_class = EvaluationSerializer


class ContractViewSet(_ReadOnly):
    """Contracts and their checklist (委託契約)."""

    queryset = Contract.objects.order_by("contractor_id", "-starts_on", "-pk")
    serializer_class = ContractSerializer


class ReviewViewSet(_ReadOnly):
    """Periodic reviews (定期的な監督・評価)."""

    queryset = ContractorReview.objects.order_by("due_on", "pk")
    serializer_class = ReviewSerializer


class WarningViewSet(PolicyViewSet):
    """Contractor warnings: missing incident clauses, overdue reviews and acknowledgements."""

    policy_resource = services.SUPERVISION
    queryset = ContractorReview.objects.none()
    serializer_class = WarningSerializer
    pagination_class = None  # a short list computed per caller, answered whole (the schema says so too)
    filter_backends: list[Any] = []  # nothing to filter or order: the query parameters would be ignored

    def list(self, request: Request) -> Response:
        found = [asdict(w) for w in services.warnings(request.user)]
        return Response(WarningSerializer(found, many=True).data)


class ManualViewSet(PolicyViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Versions of the joint incident manual (会社間の事故対応マニュアル)."""

    policy_resource = services.MANUAL
    policy_actions = {"acknowledge": Action.CHANGE}
    queryset = ManualVersion.objects.defer("docx", "pdf").order_by("contractor_id", "-version")
    serializer_class = ManualVersionSerializer

    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        version = self.get_object()
        manual.acknowledge(request.user, version)
        return Response(ManualVersionSerializer(version).data)


def register(router: DefaultRouter) -> None:
    """Add the supervision endpoints to the /api/v1/ router."""
    router.register("contractor-evaluations", EvaluationViewSet, basename="contractor-evaluation")
    router.register("contractor-contracts", ContractViewSet, basename="contractor-contract")
    router.register("contractor-reviews", ReviewViewSet, basename="contractor-review")
    router.register("contractor-warnings", WarningViewSet, basename="contractor-warning")
    router.register("contractor-manuals", ManualViewSet, basename="contractor-manual")
