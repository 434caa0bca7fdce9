"""Scoping over the API (/api/v1/…): the same services, rules and audit entries as the pages.

- ``GET /api/v1/scopings/?case=ID`` lists versions, ``GET /api/v1/scopings/{id}/`` reads one;
- ``POST /api/v1/scopings/payment-methods/`` lists the shop's payment methods (``card_like`` = default choice);
- ``POST /api/v1/scopings/preview/`` counts and returns a sample of 5 (audited);
- ``POST /api/v1/scopings/`` queues a new version (202; poll the record's ``status``);
- ``GET /api/v1/scopings/{id}/people/`` pages the people (audited), ``GET …/export/`` streams CSV (audited);
- ``POST /api/v1/scopings/{id}/archive/`` with ``reason`` archives a version (results are never deleted);
- ``POST /api/v1/scoping-inquiries/`` with ``email`` or ``member_id`` (and optional ``case``): the inquiry desk,
  answering only ``found`` and the cases.

Body of payment-methods/preview/create: ``case``, ``preset``, ``data_source`` or ``evidence``, ``window_from``,
``window_to``, ``payment_ids`` (presets) or ``mapping`` (generic), ``note``.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.api.errors import validation_error
from mamori.api.filters import IdFilter
from mamori.api.schema import AutoSchema
from mamori.api.viewsets import PolicyViewSet
from mamori.discovery.models import DataSource
from mamori.evidence.models import Evidence
from mamori.incidents.models import IncidentCase
from mamori.scoping import services
from mamori.scoping.models import AffectedPerson, Preset, Scoping


class ScopingSerializer(serializers.ModelSerializer):
    created_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Scoping
        fields = [
            "id",
            "case",
            "version",
            "preset",
            "mapping",
            "window_from",
            "window_to",
            "source",
            "evidence",
            "evidence_sha256",
            "status",
            "people_count",
            "orders_count",
            "error",
            "job",
            "note",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
            "archived_at",
            "archive_reason",
        ]
        read_only_fields = fields


class PersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = AffectedPerson
        fields = [
            "identity",
            "member_id",
            "name",
            "kana",
            "email",
            "phone",
            "postal_code",
            "address",
            "orders",
            "first_order_at",
            "last_order_at",
        ]
        read_only_fields = fields


class SampleSerializer(serializers.Serializer):
    identity = serializers.CharField()
    name = serializers.CharField()
    email = serializers.CharField()
    orders = serializers.IntegerField()
    first_order_at = serializers.DateTimeField(allow_null=True)
    last_order_at = serializers.DateTimeField(allow_null=True)


MAX_PAYMENT_IDS = 100


@extend_schema_field(
    {
        "type": "array",
        "maxItems": MAX_PAYMENT_IDS,
        "items": {"oneOf": [{"type": "integer"}, {"type": "string", "pattern": "^[^\\x00]*$"}]},
        "description": "The shop's payment method ids (numbers or texts), see payment-methods.",
    }
)
class PaymentIdsField(serializers.JSONField):
    """A list of payment method ids, refused with one message for the field (not a message per item)."""

    def to_internal_value(self, data: Any) -> Any:
        return _payment_ids(super().to_internal_value(data))


DEFINE_RULES = (
    "A scoping reads a data source (``data_source``) or a preserved copy (``evidence``; it wins when both are "
    "given): one of them is required. ``window_to`` may not be before ``window_from``. The EC-CUBE presets "
    "(``eccube2``, ``eccube4``) need ``payment_ids`` (at least one: the card payments, see "
    "``payment-methods``) for a preview or a scoping; ``generic`` needs a ``mapping`` of the source's tables "
    "and columns. A source that cannot be read, or a mapping that does not fit it, is answered 400 with the "
    "reason."
)


class PaymentMethodSerializer(serializers.Serializer):
    id = serializers.JSONField(help_text="The shop's id of the payment method (give it in payment_ids).")
    name = serializers.CharField()
    card_like = serializers.BooleanField(help_text="Chosen by default: a card payment.")
    detail = serializers.CharField()
    deleted = serializers.BooleanField()
    orders = serializers.IntegerField(help_text="Orders paid this way in the window.")


PREVIEW = inline_serializer(
    "ScopingPreview",
    {
        "people": serializers.IntegerField(),
        "orders": serializers.IntegerField(),
        "excluded": serializers.JSONField(),
        "mapping": serializers.JSONField(),
        "sample": SampleSerializer(many=True),
    },
)


class DefineSerializer(serializers.Serializer):
    """What a scoping reads (see ``DEFINE_RULES``)."""

    case = serializers.IntegerField(min_value=1)
    preset = serializers.ChoiceField(choices=Preset.choices)
    data_source = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    evidence = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    window_from = serializers.DateField()
    window_to = serializers.DateField()
    payment_ids = PaymentIdsField(required=False, default=list)  # type: ignore[arg-type]
    mapping = serializers.DictField(required=False, default=dict)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


@extend_schema_serializer(component_name="ScopingArchive")  # card lists archive with a reason too
class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class InquirySerializer(serializers.Serializer):
    """Exactly one of ``email`` (with an @) or ``member_id``, not blank; optionally the ``case`` to look in."""

    email = serializers.CharField(required=False, allow_blank=True, default="", max_length=320)
    member_id = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    case = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class DefineSchema(OpenApiSerializerExtension):
    """The request states what OpenAPI can of ``DEFINE_RULES``: a data source or a preserved copy is required."""

    target_class = DefineSerializer

    def map_serializer(self, auto_schema: Any, direction: Any) -> Any:
        schema = super().map_serializer(auto_schema, direction)
        if direction == "request":
            schema["anyOf"] = [_given("data_source", {"type": "integer"}), _given("evidence", {"type": "integer"})]
        return schema


class InquirySchema(OpenApiSerializerExtension):
    """An inquiry with neither an e-mail address nor a member id (or both) is not valid per the schema."""

    target_class = InquirySerializer

    def map_serializer(self, auto_schema: Any, direction: Any) -> Any:
        schema = super().map_serializer(auto_schema, direction)
        if direction == "request":
            # The server ignores white space in both; an e-mail address has an @ (services.inquiry).
            blank = {"type": "string", "pattern": "^\\s*$"}
            schema["oneOf"] = [
                _given("email", {"type": "string", "pattern": "@"}, member_id=blank),
                _given("member_id", {"type": "string", "pattern": "\\S"}, email=blank),
            ]
        return schema


class BodyRequired(AutoSchema):
    """The inquiry's body is required although no single field is: one of two is (see ``InquirySchema``)."""

    def _get_request_for_media_type(self, serializer: Any, direction: Any = "request") -> Any:
        schema, _required = super()._get_request_for_media_type(serializer, direction)
        return schema, True


def _payment_ids(value: Any) -> list[Any]:
    """``payment_ids``: a list of up to 100 ids, each a number or a text (one message, not one per item)."""
    if not isinstance(value, list) or len(value) > MAX_PAYMENT_IDS:
        raise serializers.ValidationError(_("Give a list of up to 100 payment method ids."))
    ids: list[Any] = []
    for item in value:
        if isinstance(item, float) and item.is_integer():
            item = int(item)
        if isinstance(item, bool) or not isinstance(item, (int, str)) or (isinstance(item, str) and "\x00" in item):
            raise serializers.ValidationError(_("Each payment method id is a number or a text."))
        ids.append(item)
    return ids


def _given(name: str, schema: dict[str, Any], **blank: dict[str, Any]) -> dict[str, Any]:
    """``name`` is required and matches ``schema``; the fields in ``blank``, when sent, match theirs."""
    return {"required": [name], "properties": {name: schema, **blank}}


INQUIRY_ANSWER = inline_serializer(
    "InquiryAnswer",
    {
        "found": serializers.BooleanField(),
        "cases": inline_serializer(
            "InquiryCase", {"id": serializers.IntegerField(), "title": serializers.CharField()}, many=True
        ),
    },
)


class ScopingFilter(django_filters.FilterSet):
    case = IdFilter(field_name="case_id")

    class Meta:
        model = Scoping
        fields = ["case", "status"]


class ScopingViewSet(PolicyViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Scopings (影響範囲の特定) of incident cases, one record per version. No DELETE: archived with a reason."""

    queryset = Scoping.objects.select_related("case", "created_by")
    serializer_class = ScopingSerializer
    policy_resource = services.RESOURCE
    policy_actions = {
        "people": Action.VIEW,
        "export": Action.EXPORT,
        "archive": Action.CHANGE,
        "preview": Action.ADD,
        "payment_methods": Action.ADD,
    }
    filterset_class = ScopingFilter
    ordering_fields = ["created_at", "version"]
    ordering = ["-created_at", "-id"]
    http_method_names = ["get", "post", "head", "options"]
    query_parameters = {"people": {"page", "page_size"}}  # a detail action that is paged

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        if self.action in ("create", "preview", "payment_methods"):
            return DefineSerializer
        if self.action == "archive":
            return ReasonSerializer
        if self.action == "people":
            return PersonSerializer
        return ScopingSerializer

    def _spec(self, request: Request) -> tuple[IncidentCase, services.Spec]:
        body = DefineSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        user = request.user
        case = policy.get_visible(user, "incident_case", IncidentCase.objects.all(), pk=data["case"])
        source = evidence = None
        if data.get("data_source"):
            source = policy.get_visible(user, "data_source", DataSource.objects.all(), pk=data["data_source"])
        if data.get("evidence"):
            evidence = policy.get_visible(user, "evidence", Evidence.objects.all(), pk=data["evidence"])
        spec = services.Spec(
            preset=data["preset"],
            window_from=data["window_from"],
            window_to=data["window_to"],
            payment_ids=list(data.get("payment_ids") or []),
            mapping=dict(data.get("mapping") or {}),
            source=source,
            evidence=evidence,
        )
        return case, spec

    @extend_schema(
        responses={202: ScopingSerializer}, description="Queue a new version of the case's scoping. " + DEFINE_RULES
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case, spec = self._spec(request)
        note = str(request.data.get("note") or "") if isinstance(request.data, dict) else ""
        try:
            scoping = services.start_scoping(request.user, case, spec, note)
        except ValidationError as exc:
            raise validation_error(exc) from None
        return Response(ScopingSerializer(scoping).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        responses={200: PREVIEW},
        description="Count the people and orders and show a sample of 5 (audited). " + DEFINE_RULES,
    )
    @action(detail=False, methods=["post"])
    def preview(self, request: Request) -> Response:
        case, spec = self._spec(request)
        try:
            result = services.preview(request.user, case, spec)
        except ValidationError as exc:
            raise validation_error(exc) from None
        sample = SampleSerializer([p.__dict__ for p in result.sample], many=True).data
        return Response(
            {
                "people": result.people,
                "orders": result.orders,
                "excluded": result.excluded,
                "mapping": result.mapping,
                "sample": sample,
            }
        )

    @extend_schema(
        responses={200: PaymentMethodSerializer(many=True)},
        description="The shop's payment methods (``card_like``: chosen by default) and their orders in the window. "
        + DEFINE_RULES,
    )
    @action(detail=False, methods=["post"], url_path="payment-methods", url_name="payment-methods")
    def payment_methods(self, request: Request) -> Response:
        case, spec = self._spec(request)
        try:
            rows = services.payment_methods(request.user, case, spec)
        except ValidationError as exc:
            raise validation_error(exc) from None
        return Response(
            [
                {
                    "id": p.id,
                    "name": p.name,
                    "card_like": p.card_like,
                    "detail": p.detail,
                    "deleted": p.deleted,
                    "orders": p.orders,
                }
                for p in rows
            ]
        )

    @extend_schema(responses={200: PersonSerializer(many=True)}, description="The people of this version (audited).")
    @action(detail=True, methods=["get"], filter_backends=[])  # paged, neither filtered nor ordered
    def people(self, request: Request, pk: str | None = None) -> Response:
        scoping = self.get_object()
        rows = services.people_of(request.user, scoping, f"API page {request.query_params.get('page', '1')[:6]}")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(PersonSerializer(page, many=True).data)

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR}, description="The people as CSV (audited).")
    @action(detail=True, methods=["get"])
    def export(self, request: Request, pk: str | None = None) -> StreamingHttpResponse:
        scoping = self.get_object()
        response = StreamingHttpResponse(services.export_csv(request.user, scoping), content_type="text/csv")
        response["Content-Disposition"] = (
            f'attachment; filename="affected-people-case{scoping.case_id}-v{scoping.version}.csv"'
        )
        return response

    @extend_schema(responses={200: ScopingSerializer})
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        scoping = self.get_object()
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            done = services.archive_scoping(request.user, scoping, body.validated_data["reason"])
        except ValidationError as exc:
            raise validation_error(exc) from None
        return Response(ScopingSerializer(done).data)


class InquiryViewSet(PolicyViewSet, mixins.CreateModelMixin):
    """The inquiry desk (問い合わせ窓口): is this person in a case's current affected list? Only yes/no."""

    queryset = Scoping.objects.none()
    serializer_class = InquirySerializer
    schema = BodyRequired()
    policy_resource = services.INQUIRY
    policy_actions = {"create": Action.VIEW}  # a lookup, not a new record
    http_method_names = ["post", "options"]

    @extend_schema(
        description="Is this person in the current affected list of the case (or of any open case)? Give exactly "
        "one of ``email`` (an e-mail address, with an @) or ``member_id``; neither, both or an address without "
        "an @ is answered 400. Only ``found`` and the cases are answered; every lookup is recorded.",
        responses={200: INQUIRY_ANSWER},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = InquirySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        case = None
        if data.get("case"):
            case = policy.get_visible(request.user, "incident_case", IncidentCase.objects.all(), pk=data["case"])
        try:
            answer = services.inquiry(request.user, email=data["email"], member_id=data["member_id"], case=case)
        except ValidationError as exc:
            raise validation_error(exc) from None
        return Response({"found": answer.found, "cases": [{"id": c.pk, "title": c.title} for c in answer.cases]})


def register(router: DefaultRouter) -> None:
    """Add this app's endpoints to the /api/v1/ router."""
    router.register("scopings", ScopingViewSet, basename="scoping")
    router.register("scoping-inquiries", InquiryViewSet, basename="scoping-inquiry")
