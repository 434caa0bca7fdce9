"""Evidence over the API: /api/v1/evidence/ (same rules, chain of custody and audit trail as the pages).

- ``GET /api/v1/evidence/?case=ID`` lists, ``GET /api/v1/evidence/{id}/`` reads one (a "viewed" custody link)
  with its chain of custody;
- ``POST /api/v1/evidence/`` (multipart) adds a file: ``case``, ``file``, optional ``name``, ``description``,
  ``reason``; with ``kind=preservation_record`` (JSON or form) a record: ``name``, ``location``, ``held_by``,
  ``sha256``, ``description``;
- ``POST /api/v1/evidence/{id}/download/`` with ``reason`` streams the file (its hash checked again first);
- ``POST /api/v1/evidence/{id}/destroy/`` with ``reason`` destroys a preserved copy after its hold was released.

Evidence is never deleted: there is no DELETE (405), and a destroy under legal hold is refused (403, naming
the case).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.api.errors import RequestTooLarge, validation_error
from mamori.api.filters import IdFilter
from mamori.api.parsers import JSONParser
from mamori.api.viewsets import PolicyViewSet
from mamori.core.crud import MAX_ID
from mamori.evidence import services
from mamori.evidence.models import CustodyEvent, Evidence, EvidenceKind
from mamori.evidence.uploads import limit_uploads
from mamori.incidents.models import IncidentCase


class CustodyEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = CustodyEvent
        fields = ["action", "actor_name", "at", "reason", "sha256", "ip_address", "via"]


class EvidenceSerializer(serializers.ModelSerializer):
    uploaded_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    destroyed_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    under_hold = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "id",
            "case",
            "kind",
            "name",
            "description",
            "sha256",
            "size",
            "encrypted",
            "media_type",
            "location",
            "held_by",
            "source",
            "uploaded_by",
            "created_at",
            "destroyed_at",
            "destroyed_by",
            "destroy_reason",
            "under_hold",
        ]
        read_only_fields = fields

    def get_under_hold(self, evidence: Evidence) -> bool:
        return bool(evidence.case.legal_hold)


class EvidenceDetailSerializer(EvidenceSerializer):
    custody = serializers.SerializerMethodField()

    class Meta(EvidenceSerializer.Meta):
        fields = [*EvidenceSerializer.Meta.fields, "custody"]
        read_only_fields = fields

    def get_custody(self, evidence: Evidence) -> list[dict[str, Any]]:
        return CustodyEventSerializer(services.chain_of_custody(evidence), many=True).data  # type: ignore[return-value]


class AddEvidenceSerializer(serializers.Serializer):
    case = serializers.IntegerField(min_value=1)
    kind = serializers.ChoiceField(
        choices=[EvidenceKind.UPLOAD, EvidenceKind.PRESERVATION_RECORD], default=EvidenceKind.UPLOAD
    )
    file = serializers.FileField(required=False, allow_empty_file=True)
    name = serializers.CharField(required=False, allow_blank=True, max_length=255)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    location = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    held_by = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    sha256 = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)


class UploadRequestSerializer(serializers.Serializer):
    """An uploaded file (for the schema: the view reads AddEvidenceSerializer)."""

    case = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    file = serializers.FileField()
    name = serializers.CharField(required=False, allow_blank=True, max_length=255)
    description = serializers.CharField(required=False, allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class RecordRequestSerializer(serializers.Serializer):
    """A record of a copy preserved elsewhere (for the schema: the view reads AddEvidenceSerializer)."""

    case = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    kind = serializers.ChoiceField(choices=[EvidenceKind.PRESERVATION_RECORD])
    name = serializers.CharField(required=False, allow_blank=True, max_length=255)
    location = serializers.CharField(required=False, allow_blank=True, max_length=300)
    held_by = serializers.CharField(required=False, allow_blank=True, max_length=200)
    sha256 = serializers.RegexField(r"^([0-9a-fA-F]{64})?$", required=False, allow_blank=True, max_length=64)
    description = serializers.CharField(required=False, allow_blank=True)


class EvidenceReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class EvidenceFilter(django_filters.FilterSet):
    case = IdFilter(field_name="case_id")

    class Meta:
        model = Evidence
        fields = ["case", "kind"]


class EvidenceViewSet(PolicyViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin):
    """Evidence of incident cases (証拠). No DELETE: evidence is never deleted; preserved copies are destroyed by
    ``POST …/destroy/`` once their case's hold is released."""

    queryset = Evidence.objects.select_related("case", "uploaded_by", "destroyed_by")
    policy_resource = services.RESOURCE
    policy_actions = {"download": Action.VIEW, "destroy_copy": Action.DELETE}
    filterset_class = EvidenceFilter
    ordering_fields = ["created_at", "name", "size"]
    ordering = ["-created_at", "-id"]
    http_method_names = ["get", "post", "head", "options"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]  # a file comes as multipart/form-data

    def initialize_request(self, request: Any, *args: Any, **kwargs: Any) -> Request:
        # Before anything reads the body (authentication's CSRF check may): the size limit comes first.
        if request.method == "POST":
            self._limiter = limit_uploads(request, services.max_bytes())
        return super().initialize_request(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        return services.visible(self.request.user)

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        if self.action == "retrieve":
            return EvidenceDetailSerializer
        if self.action == "create":
            return AddEvidenceSerializer
        if self.action in ("download", "destroy_copy"):
            return EvidenceReasonSerializer
        return EvidenceSerializer

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        evidence = self.get_object()
        services.record_view(request.user, evidence)
        return Response(EvidenceDetailSerializer(evidence, context=self.get_serializer_context()).data)

    @extend_schema(
        request={"multipart/form-data": UploadRequestSerializer, "application/json": RecordRequestSerializer},
        responses={201: EvidenceSerializer},
        description="A file (multipart/form-data with case and file), or a record of a copy preserved elsewhere "
        '(JSON with kind "preservation_record").',
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        limiter = getattr(self, "_limiter", None)
        payload = AddEvidenceSerializer(data=request.data)
        if limiter is not None and limiter.exceeded:
            raise RequestTooLarge(
                _("The file is larger than the maximum of %(size)s.") % {"size": services.human_size(limiter.limit)}
            )
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        case = policy.get_visible(request.user, "incident_case", IncidentCase.objects.all(), pk=data["case"])
        try:
            evidence = self._add(request, case, data)
        except ValidationError as exc:
            raise validation_error(exc) from None
        return Response(EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)

    def _add(self, request: Request, case: IncidentCase, data: dict[str, Any]) -> Evidence:
        if data["kind"] == EvidenceKind.PRESERVATION_RECORD:
            return services.add_preservation_record(
                request.user,
                case,
                name=data.get("name", ""),
                location=data["location"],
                held_by=data["held_by"],
                sha256=data["sha256"],
                description=data["description"],
            )
        upload = data.get("file")
        if upload is None:
            raise exceptions.ValidationError({"file": [_('Send the file (multipart/form-data, field "file").')]})
        return services.add_upload(
            request.user, case, upload, data.get("name") or upload.name, data["description"], data["reason"]
        )

    @extend_schema(
        request=EvidenceReasonSerializer,
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
        description="The file itself (its SHA-256 in the X-Content-SHA256 header); the reason is recorded.",
    )
    @action(detail=True, methods=["post"])
    def download(self, request: Request, pk: str | None = None) -> StreamingHttpResponse:
        evidence = self.get_object()
        reason = EvidenceReasonSerializer(data=request.data)
        reason.is_valid(raise_exception=True)
        stream = services.open_for_download(request.user, evidence, reason.validated_data["reason"])
        response = StreamingHttpResponse(stream, content_type="application/octet-stream")
        response["Content-Disposition"] = f'attachment; filename="evidence-{evidence.pk}"'
        response["X-Content-SHA256"] = evidence.sha256
        if evidence.size is not None:
            response["Content-Length"] = str(evidence.size)
        return response

    @extend_schema(request=EvidenceReasonSerializer, responses={200: EvidenceSerializer})
    @action(detail=True, methods=["post"], url_path="destroy", url_name="destroy")
    def destroy_copy(self, request: Request, pk: str | None = None) -> Response:
        evidence = self.get_object()
        reason = EvidenceReasonSerializer(data=request.data)
        reason.is_valid(raise_exception=True)
        destroyed = services.destroy(request.user, evidence, reason.validated_data["reason"])
        return Response(EvidenceSerializer(destroyed).data)
