"""APPI assessments of a case over the API: /api/v1/cases/{case}/appi-assessments/ (GET list and one, POST).

POST takes the same JSON facts as ``mamori appi assess`` (strict types: true/false, whole numbers, a time
with its offset) and answers with the stored assessment, the decision included. Same service as the page.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from mamori.accounts import policy
from mamori.api.viewsets import PolicyViewSet
from mamori.core.crud import query_id
from mamori.incidents import appi
from mamori.incidents.models import AppiAssessment, IncidentCase


class AppiAssessmentSerializer(serializers.ModelSerializer):
    assessed_by = serializers.CharField(source="assessed_by.username", read_only=True, allow_null=True)

    class Meta:
        model = AppiAssessment
        fields = ["id", "case", "facts", "decision", "rules_version", "assessed_by", "assessed_at"]
        read_only_fields = fields


class AppiFactsSerializer(serializers.Serializer):
    """The facts (for the schema only: the rules parse them, more strictly than a serializer would)."""

    refuses_unknown_fields = True  # the facts format refuses fields it does not know (as `mamori appi assess`)

    aware_at = serializers.DateTimeField(help_text="When the company learned of it, ISO 8601 with offset.")
    persons = serializers.IntegerField(min_value=0)
    special_care = serializers.BooleanField()
    property_damage_risk = serializers.BooleanField()
    improper_purpose = serializers.BooleanField(help_text="Includes skimming of data being obtained.")
    high_level_encryption = serializers.BooleanField(required=False)
    key_compromised = serializers.BooleanField(required=False, help_text="Required with high_level_encryption.")
    # Text rather than a choice: a second "role" enum would clash with the users' role in the schema.
    role = serializers.RegexField(
        r"^(principal|contractor)$",
        help_text='"principal" (outsourcing company or on its own) or "contractor".',
    )
    notified_principal = serializers.BooleanField(required=False, help_text="Required for a contractor.")
    data_being_obtained = serializers.BooleanField(required=False)
    pseudonymised = serializers.BooleanField(required=False)


@extend_schema(parameters=[OpenApiParameter("case_pk", OpenApiTypes.INT, OpenApiParameter.PATH)])
class AppiAssessmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, PolicyViewSet):
    """APPI assessments of one case (報告・本人通知の要否の判定), newest first; the first is the one that counts."""

    policy_resource = appi.RESOURCE
    queryset = AppiAssessment.objects.select_related("assessed_by")
    serializer_class = AppiAssessmentSerializer
    ordering = ["-assessed_at", "-id"]

    def case(self) -> IncidentCase:
        """The case of the address, or 404 when the user may not see it (as on the case page)."""
        if not hasattr(self, "_case"):
            pk = query_id(str(self.kwargs.get("case_pk", "")))
            if pk is None:
                raise policy.NotVisible("No incident_case matches the given query.")
            self._case = policy.get_visible(self.request.user, "incident_case", IncidentCase.objects.all(), pk=pk)
        return self._case

    def check_permissions(self, request: Request) -> None:
        if policy.is_active_user(request.user):
            self.case()  # an unseen case is 404 before the role's rights are looked at
        super().check_permissions(request)

    def base_queryset(self) -> QuerySet[Any]:
        return super().base_queryset().filter(case=self.case()).order_by("-assessed_at", "-id")

    @extend_schema(
        request=AppiFactsSerializer,
        responses={201: AppiAssessmentSerializer, 400: OpenApiResponse(description="A field is missing or wrong.")},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        assessment = appi.assess_case(request.user, self.case(), request.data)
        data = AppiAssessmentSerializer(assessment, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)
