"""Card-company lists over the API (/api/v1/card-lists/): the same services, rules and audit as the pages.

- ``GET /api/v1/card-lists/?case=ID`` lists with counts; ``GET /api/v1/card-lists/{id}/`` one list with its runs;
- ``POST /api/v1/card-lists/`` (multipart, kept in memory): ``case``, ``received_from``, ``received_at``,
  ``file``, optional ``note`` — imports it (masks and fingerprints only are stored);
- ``POST /api/v1/card-lists/{id}/match/`` (``sources``, ``evidence``: ids; ``findings``: bool) queues matching (202);
- ``GET /api/v1/card-lists/{id}/matches/`` the latest completed run's matches (masks only; an audited read);
- ``GET /api/v1/card-lists/{id}/export/`` the same as CSV; ``POST /api/v1/card-lists/{id}/archive/`` (``reason``).

Never a card number, never a fingerprint. No DELETE: lists are archived.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.api.errors import RequestTooLarge, validation_error
from mamori.api.filters import IdFilter
from mamori.api.viewsets import PolicyViewSet
from mamori.cardlists import services
from mamori.cardlists.models import CardList, CardMatch, MatchRun
from mamori.cardlists.uploads import memory_only
from mamori.evidence.models import Evidence
from mamori.incidents.models import IncidentCase


class MatchRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = MatchRun
        fields = [
            "id",
            "status",
            "created_at",
            "started_at",
            "finished_at",
            "include_findings",
            "matched_entries",
            "matches_count",
            "people_linked",
            "notes",
            "error",
            "job",
        ]
        read_only_fields = fields


class CardListSerializer(serializers.ModelSerializer):
    imported_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="username", read_only=True)
    counts = serializers.SerializerMethodField()

    class Meta:
        model = CardList
        fields = [
            "id",
            "case",
            "received_from",
            "received_at",
            "file_name",
            "file_sha256",
            "card_column",
            "kept_columns",
            "rows",
            "accepted",
            "rejected",
            "note",
            "status",
            "error",
            "imported_by",
            "imported_at",
            "archived_at",
            "archive_reason",
            "counts",
        ]
        read_only_fields = fields

    def get_counts(self, card_list: CardList) -> dict[str, int]:
        return services.counts(card_list)


class CardListDetailSerializer(CardListSerializer):
    problems = serializers.JSONField(read_only=True)
    runs = serializers.SerializerMethodField()

    class Meta(CardListSerializer.Meta):
        fields = [*CardListSerializer.Meta.fields, "problems", "runs"]
        read_only_fields = fields

    def get_runs(self, card_list: CardList) -> list[dict[str, Any]]:
        runs = card_list.runs.order_by("-created_at", "-pk")[:20]
        return MatchRunSerializer(runs, many=True).data  # type: ignore[return-value]


class CardMatchSerializer(serializers.ModelSerializer):
    row = serializers.IntegerField(source="entry.row", read_only=True)
    masked_number = serializers.CharField(source="entry.mask", read_only=True)
    brand = serializers.CharField(source="entry.brand", read_only=True)
    affected_person = serializers.SerializerMethodField()

    class Meta:
        model = CardMatch
        fields = [
            "id",
            "row",
            "masked_number",
            "brand",
            "kind",
            "source",
            "evidence",
            "evidence_sha256",
            "location",
            "row_key",
            "identity",
            "affected_person",
            "person_note",
        ]
        read_only_fields = fields

    def get_affected_person(self, match: CardMatch) -> dict[str, Any] | None:
        person = match.person
        if person is None:
            return None
        return {"id": person.pk, "identity": person.identity, "member_id": person.member_id, "name": person.name}


@extend_schema_serializer(component_name="CardListImport")  # the ledger imports files too
class ImportSerializer(serializers.Serializer):
    case = serializers.IntegerField(min_value=1)
    received_from = serializers.CharField(max_length=200)
    received_at = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
    file = serializers.FileField(allow_empty_file=False)


class MatchSerializer(serializers.Serializer):
    sources = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, default=list)
    evidence = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, default=list)
    findings = serializers.BooleanField(required=False, default=True)


@extend_schema_serializer(component_name="CardListArchive")  # scoping archives with a reason too
class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)  # kept with the list: required, not blank


class CardListFilter(django_filters.FilterSet):
    case = IdFilter(field_name="case_id")

    class Meta:
        model = CardList
        fields = ["case"]


class CardListViewSet(PolicyViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin):
    """Card-company lists (カード会社からの一覧): import, matching, matches. No DELETE: archived, never deleted."""

    queryset = CardList.objects.select_related("case", "imported_by")
    policy_resource = services.LIST
    policy_actions = {
        "match": Action.CHANGE,
        "archive": Action.CHANGE,
        "matches": Action.VIEW,
        "export": Action.VIEW,
    }
    filterset_class = CardListFilter
    ordering_fields = ["imported_at", "received_at"]
    ordering = ["-imported_at", "-id"]
    http_method_names = ["get", "post", "head", "options"]
    query_parameters = {"matches": {"page", "page_size"}}  # a detail action that is paged
    parser_classes = [JSONParser, MultiPartParser, FormParser]  # a list comes as multipart/form-data

    def initialize_request(self, request: Any, *args: Any, **kwargs: Any) -> Request:
        # Before anything reads the body (authentication's CSRF check may): the file must stay in memory.
        if request.method == "POST":
            self._handler = memory_only(request)
        return super().initialize_request(request, *args, **kwargs)

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        by_action: dict[str, type[serializers.BaseSerializer[Any]]] = {
            "retrieve": CardListDetailSerializer,
            "create": ImportSerializer,
            "match": MatchSerializer,
            "archive": ReasonSerializer,
            "matches": CardMatchSerializer,
        }
        return by_action.get(self.action or "", CardListSerializer)

    @extend_schema(
        request={"multipart/form-data": ImportSerializer},
        responses={201: CardListDetailSerializer},
        description="Import a card company's list: multipart/form-data with ``file`` (CSV or .xlsx, kept in "
        "memory; only masks and fingerprints are stored), ``case``, ``received_from``, ``received_at`` and an "
        "optional ``note``. A file that is not a readable list gives 400 under ``fields.file``.",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = ImportSerializer(data=request.data)
        if getattr(getattr(self, "_handler", None), "exceeded", False):
            raise RequestTooLarge(_("The file is larger than the upload limit (MAMORI_UPLOAD_MAX_BYTES)."))
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        case = policy.get_visible(request.user, services.CASE, IncidentCase.objects.all(), pk=data["case"])
        upload = data["file"]
        try:
            card_list = services.import_list(
                request.user,
                case,
                data=upload.read(),
                file_name=upload.name or "list.csv",
                received_from=data["received_from"],
                received_at=data["received_at"],
                note=data["note"],
            )
        except ValidationError as exc:
            raise validation_error(exc, "file") from None
        return Response(CardListDetailSerializer(card_list).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={202: MatchRunSerializer})
    @action(detail=True, methods=["post"])
    def match(self, request: Request, pk: str | None = None) -> Response:
        card_list = self.get_object()
        payload = MatchSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        sources = list(services.matchable_sources(request.user).filter(pk__in=data["sources"]))
        copies = list(Evidence.objects.filter(pk__in=data["evidence"]))
        if len(sources) != len(set(data["sources"])) or len(copies) != len(set(data["evidence"])):
            raise exceptions.ValidationError({"sources": [_("A data source or preserved copy was not found.")]})
        try:
            run = services.start_matching(
                request.user, card_list, sources=sources, evidence=copies, include_findings=data["findings"]
            )
        except ValidationError as exc:
            raise validation_error(exc) from None
        return Response(MatchRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={200: CardMatchSerializer(many=True)})
    @action(detail=True, methods=["get"], filter_backends=[])  # paged, neither filtered nor ordered
    def matches(self, request: Request, pk: str | None = None) -> Response:
        card_list = self.get_object()
        found = services.matches(request.user, card_list)
        services.record_matches_read(request.user, card_list, "api")
        page = self.paginate_queryset(found)
        data = CardMatchSerializer(page if page is not None else found, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR}, description="The matches as CSV (masks only).")
    @action(detail=True, methods=["get"])
    def export(self, request: Request, pk: str | None = None) -> HttpResponse:
        card_list = self.get_object()
        body = services.export_csv(request.user, card_list)
        response = HttpResponse("\ufeff" + body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="card-list-{card_list.pk}-matches.csv"'
        return response

    @extend_schema(responses={200: CardListSerializer})
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        card_list = self.get_object()
        payload = ReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            archived = services.archive_list(request.user, card_list, payload.validated_data["reason"])
        except ValidationError as exc:
            raise validation_error(exc, "reason") from None
        return Response(CardListSerializer(archived).data)


def register(router: DefaultRouter) -> None:
    """Add this app's endpoints to the /api/v1/ router."""
    router.register("card-lists", CardListViewSet, basename="card-list")
