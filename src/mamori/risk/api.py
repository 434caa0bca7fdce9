"""Risks and nonconformities over the API: /api/v1/risks/ and /api/v1/nonconformities/.

Same services, rules and audit trail as the pages. ``POST /api/v1/risks/{id}/accept/`` with
``{"reason": "..."}`` is the protection manager's acceptance of the residual risk.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from mamori.accounts import policy
from mamori.accounts.models import User
from mamori.accounts.policy import Action
from mamori.api.viewsets import ServiceViewSet
from mamori.ledger.models import LedgerEntry
from mamori.risk import catalogue, services
from mamori.risk.forms import possible_owners
from mamori.risk.models import Nonconformity, Risk, RiskMatrix, SafetyMeasure, Score


class VisibleLedgerEntryField(serializers.PrimaryKeyRelatedField):
    """A ledger entry id; entries the requesting user may not see read as unknown."""

    def get_queryset(self) -> QuerySet[LedgerEntry]:
        request = self.context.get("request")
        return policy.scope(getattr(request, "user", None), "ledger_entry", LedgerEntry.objects.all())


class OwnerField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self) -> QuerySet[User]:
        return possible_owners()


def _score(score: Score | None) -> dict[str, Any] | None:
    if score is None:
        return None
    return {"likelihood": score.likelihood, "impact": score.impact, "score": score.value, "band": score.band}


class RiskSerializer(serializers.ModelSerializer):
    ledger_entry = VisibleLedgerEntryField()
    threat = serializers.ChoiceField(choices=[])
    owner = OwnerField(required=False, allow_null=True)
    existing_measures = serializers.SlugRelatedField(
        slug_field="code", many=True, required=False, queryset=SafetyMeasure.objects.all()
    )
    inherent_score = serializers.SerializerMethodField()
    residual_score = serializers.SerializerMethodField()
    needs_treatment = serializers.SerializerMethodField()

    class Meta:
        model = Risk
        fields = [
            "id",
            "ledger_entry",
            "stage",
            "threat",
            "description",
            "likelihood",
            "impact",
            "inherent_score",
            "existing_measures",
            "measures_note",
            "related_rules",
            "residual_likelihood",
            "residual_impact",
            "residual_score",
            "needs_treatment",
            "treatment",
            "treatment_plan",
            "owner",
            "due_date",
            "status",
            "accepted_by",
            "accepted_at",
            "acceptance_reason",
            "evidence_ref",
            "evidence",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["accepted_by", "accepted_at", "acceptance_reason", "created_at", "updated_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["threat"].choices = catalogue.threat_choices()  # type: ignore[attr-defined]
        self._matrix: RiskMatrix | None = None

    @property
    def matrix(self) -> RiskMatrix:
        if self._matrix is None:
            self._matrix = RiskMatrix.current()
        return self._matrix

    def get_inherent_score(self, risk: Risk) -> dict[str, Any] | None:
        return _score(risk.inherent(self.matrix))

    def get_residual_score(self, risk: Risk) -> dict[str, Any] | None:
        return _score(risk.residual(self.matrix))

    def get_needs_treatment(self, risk: Risk) -> bool:
        return self.matrix.needs_treatment(risk.residual(self.matrix))


class AcceptSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class RiskFilter(django_filters.FilterSet):
    class Meta:
        model = Risk
        fields = ["ledger_entry", "stage", "threat", "treatment", "status", "owner"]


class RiskViewSet(ServiceViewSet):
    """Risks per ledger entry × lifecycle stage. Scores and bands follow the current matrix."""

    policy_resource = services.RESOURCE
    policy_actions = {"accept": Action.ACCEPT}
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    queryset = Risk.objects.select_related("ledger_entry", "owner", "accepted_by").prefetch_related("existing_measures")
    serializer_class = RiskSerializer
    filterset_class = RiskFilter
    search_fields = ["description", "ledger_entry__name", "treatment_plan", "evidence_ref"]
    ordering_fields = ["due_date", "created_at", "updated_at", "likelihood", "impact"]
    ordering = ["ledger_entry_id", "stage", "threat", "id"]

    def create_record(self, data: dict[str, Any]) -> Risk:
        return services.create_risk(self.request.user, data)

    def update_record(self, obj: Risk, data: dict[str, Any]) -> Risk:
        return services.update_risk(self.request.user, obj, data)

    # Evidence: archived on its page (a reason is asked), never deleted; no DELETE here.

    @extend_schema(request=AcceptSerializer, responses={200: RiskSerializer})
    @action(detail=True, methods=["post"], serializer_class=AcceptSerializer)
    def accept(self, request: Request, pk: str | None = None) -> Response:
        risk = self.get_object()
        body = AcceptSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.accept_risk(request.user, risk, body.validated_data["reason"])
        risk.refresh_from_db()
        return Response(RiskSerializer(risk, context=self.get_serializer_context()).data)


EVIDENCE_SCHEMA = {
    "type": "object",
    "nullable": True,
    "maxProperties": services.EVIDENCE_MAX_KEYS,
    "additionalProperties": {
        "nullable": True,
        "anyOf": [
            {"type": "string", "maxLength": services.EVIDENCE_MAX_TEXT, "pattern": "^[^\\x00]*$"},
            {"type": "number"},
            {"type": "boolean"},
        ],
    },
    "description": "Where the nonconformity was found: a flat object of at most 20 named values, each text (at "
    "most 500 characters), a number, true, false or null, e.g. "
    '{"source": "reconciliation", "ref": "scan:12/finding:346"}. Names are 1 to 100 characters. '
    "null means no evidence ({}).",
}


@extend_schema_field(EVIDENCE_SCHEMA)
class EvidenceField(serializers.JSONField):
    """The nonconformity's evidence object, checked by ``services.clean_evidence``."""

    def to_internal_value(self, data: Any) -> Any:
        try:
            return services.clean_evidence(super().to_internal_value(data))
        except DjangoValidationError as refused:
            raise serializers.ValidationError(refused.message_dict.get("evidence", refused.messages)) from None


class NonconformitySerializer(serializers.ModelSerializer):
    owner = OwnerField(required=False, allow_null=True)
    evidence = EvidenceField(required=False, allow_null=True)

    class Meta:
        model = Nonconformity
        fields = [
            "id",
            "title",
            "description",
            "detected_at",
            "source",
            "evidence_ref",
            "evidence",
            "status",
            "corrective_action",
            "owner",
            "due_date",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class NonconformityViewSet(ServiceViewSet):
    """Nonconformities (不適合) and their corrective actions."""

    policy_resource = services.NONCONFORMITY_RESOURCE
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    queryset = Nonconformity.objects.select_related("owner")
    serializer_class = NonconformitySerializer
    filterset_fields = ["source", "status", "owner"]
    search_fields = ["title", "description", "evidence_ref"]
    ordering_fields = ["detected_at", "due_date", "created_at"]
    ordering = ["-detected_at", "-id"]

    def create_record(self, data: dict[str, Any]) -> Nonconformity:
        return services.save_nonconformity(self.request.user, data)

    def update_record(self, obj: Nonconformity, data: dict[str, Any]) -> Nonconformity:
        return services.update_nonconformity(self.request.user, obj, data)

    # Evidence: archived on its page (a reason is asked), never deleted; no DELETE here.
