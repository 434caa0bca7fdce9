"""The ledger over the API: /api/v1/ledger-entries/ and /api/v1/data-categories/ (read-only).

Same rules and history as the UI: writes go through ``mamori.ledger.services``; contractor users see
only the entries their contractor is named on.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from mamori.accounts.policy import Action
from mamori.api.filters import IdFilter
from mamori.api.viewsets import PolicyViewSet, ServiceViewSet
from mamori.contractors.api import VisibleContractorField
from mamori.ledger import importing, services
from mamori.ledger.forms import check_uploaded_file
from mamori.ledger.models import DataCategory, LedgerEntry, LedgerEntryRevision


class DataCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = DataCategory
        fields = [
            "id",
            "code",
            "name",
            "name_en",
            "aliases",
            "description",
            "special_care",
            "card_data",
            "my_number",
            "never_store",
            "scanner_type",
            "active",
        ]


class LedgerEntrySerializer(serializers.ModelSerializer):
    reference = serializers.CharField(max_length=50, required=False, allow_blank=True)
    categories = serializers.SlugRelatedField(
        slug_field="code", many=True, queryset=DataCategory.objects.all(), required=False
    )
    contractors = VisibleContractorField(many=True, required=False)
    contractor_names = serializers.SerializerMethodField()
    review_overdue = serializers.SerializerMethodField()

    class Meta:
        model = LedgerEntry
        fields = ["id", *services.EDITABLE_FIELDS, "contractor_names", "review_overdue", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    _known_cache: dict[int, str] | None = None

    def _known(self) -> dict[int, str]:
        # Other contractors named on a shared entry stay unknown to a contractor user.
        if self._known_cache is None:
            request = self.context.get("request")
            self._known_cache = services.visible_contractors(getattr(request, "user", None))
        return self._known_cache

    def get_contractor_names(self, entry: LedgerEntry) -> list[str]:
        known = self._known()
        return sorted(c.name for c in entry.contractors.all() if c.pk in known)

    def to_representation(self, instance: LedgerEntry) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        known = self._known()
        data["contractors"] = [pk for pk in data.get("contractors", []) if pk in known]
        return data

    def get_review_overdue(self, entry: LedgerEntry) -> bool:
        return entry.review_overdue()


class RevisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = LedgerEntryRevision
        fields = ["number", "changed_at", "changed_by_name", "summary", "snapshot"]


class ReviewSerializer(serializers.Serializer):
    reviewed_on = serializers.DateField(required=False)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


@extend_schema_serializer(component_name="LedgerImport")  # other apps import files too
class ImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The ledger as an .xlsx workbook or a CSV file.")
    update = serializers.BooleanField(required=False, default=False)  # type: ignore[assignment]
    dry_run = serializers.BooleanField(required=False, default=False)

    def validate_file(self, upload: UploadedFile) -> UploadedFile:
        # The same size and archive limits as the import page, before anything parses the file.
        try:
            check_uploaded_file(upload)
        except DjangoValidationError as refused:
            raise serializers.ValidationError(refused.messages) from None
        return upload


class ImportSummarySerializer(serializers.Serializer):
    rows = serializers.IntegerField(min_value=0, help_text="Rows in the file.")
    updates = serializers.IntegerField(min_value=0, help_text="Rows that update an existing entry.")
    imported = serializers.IntegerField(min_value=0, help_text="Rows imported (0 for a dry run: 200).")


IMPORT_PROBLEMS_SHOWN = 100


def _problem_text(problem: importing.CellError) -> str:
    value = f" [{problem.value}]" if problem.value else ""
    if problem.row is None:
        return f"{problem.column}: {problem.message}{value}" if problem.column else problem.message
    where = _("row %(row)d, %(column)s") % {"row": problem.row, "column": problem.column}
    return f"{where}: {problem.message}{value}"


class LedgerEntryFilter(django_filters.FilterSet):
    department = django_filters.CharFilter()
    category = django_filters.CharFilter(field_name="categories__code", distinct=True)
    # An id, not a choice: a choice list would tell contractor users which other contractors exist.
    contractor = IdFilter(field_name="contractors", distinct=True)
    overdue = django_filters.BooleanFilter(method="filter_overdue")
    special_care = django_filters.BooleanFilter(field_name="categories__special_care", distinct=True)
    card_data_retained = django_filters.BooleanFilter()

    class Meta:
        model = LedgerEntry
        fields = ["department", "category", "contractor", "overdue", "special_care", "card_data_retained"]

    def filter_overdue(self, queryset: QuerySet[LedgerEntry], name: str, value: bool | None) -> QuerySet[LedgerEntry]:
        if value is None:
            return queryset
        late = Q(next_review_due__lt=timezone.localdate()) | Q(next_review_due__isnull=True)
        return queryset.filter(late) if value else queryset.exclude(late)


class LedgerEntryViewSet(ServiceViewSet):
    """Ledger entries (個人情報管理台帳). Contractor users see the entries their contractor is named on."""

    policy_resource = services.RESOURCE
    policy_actions = {"review": Action.CHANGE, "history": Action.VIEW, "import_file": Action.ADD}
    queryset = LedgerEntry.objects.prefetch_related("categories", "contractors")
    serializer_class = LedgerEntrySerializer
    filterset_class = LedgerEntryFilter
    search_fields = ["reference", "name", "purposes", "data_subjects", "manager"]
    ordering_fields = ["reference", "name", "department", "next_review_due", "updated_at"]
    ordering = ["reference"]

    def create_record(self, data: dict[str, Any]) -> LedgerEntry:
        return services.create_entry(self.request.user, data)

    def update_record(self, obj: LedgerEntry, data: dict[str, Any]) -> LedgerEntry:
        return services.update_entry(self.request.user, obj, data)

    def delete_record(self, obj: LedgerEntry) -> None:
        services.delete_entry(self.request.user, obj)

    @extend_schema(request=ReviewSerializer, responses={200: LedgerEntrySerializer})
    @action(detail=True, methods=["post"], serializer_class=ReviewSerializer)
    def review(self, request: Request, pk: str | None = None) -> Response:
        """Record the yearly review (today unless ``reviewed_on`` is given); the next is due a year later."""
        entry = self.get_object()
        body = ReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        day: dt.date | None = body.validated_data.get("reviewed_on")
        entry = services.mark_reviewed(request.user, entry, on=day, note=body.validated_data.get("note", ""))
        fresh = self.get_queryset().get(pk=entry.pk)
        return Response(LedgerEntrySerializer(fresh, context=self.get_serializer_context()).data)

    @extend_schema(
        request={"multipart/form-data": ImportSerializer},
        responses={200: ImportSummarySerializer, 201: ImportSummarySerializer},
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        serializer_class=ImportSerializer,
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_file(self, request: Request) -> Response:
        """Check a ledger file (multipart field ``file``) and import all of its rows, or none.

        A refused file or any bad cell gives 400 with the problems under ``fields.file``; ``dry_run`` only checks.
        """
        body = ImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        filename = str(upload.name)[:200]
        preview = importing.validate_file(upload.read(), filename, update=body.validated_data["update"])
        if not preview.ok:
            problems = [_problem_text(p) for p in preview.errors[:IMPORT_PROBLEMS_SHOWN]]
            if preview.error_count > len(problems):
                problems.append(_("... and %(n)d more problems") % {"n": preview.error_count - len(problems)})
            raise serializers.ValidationError({"file": problems})
        summary = {"rows": len(preview.entries), "updates": preview.updates, "imported": 0}
        if body.validated_data["dry_run"]:
            return Response(summary)
        summary["imported"] = services.import_entries(request.user, preview.entries, filename)
        return Response(summary, status=201)

    @extend_schema(responses={200: RevisionSerializer(many=True)})
    @action(
        detail=True, methods=["get"], serializer_class=RevisionSerializer, pagination_class=None, filter_backends=[]
    )
    def history(self, request: Request, pk: str | None = None) -> Response:
        """Every revision of the entry, newest first, each with the full snapshot."""
        entry = self.get_object()
        known = set(services.visible_contractors(request.user).values())
        rows = RevisionSerializer(entry.revisions.order_by("-number"), many=True).data
        for row in rows:
            row["snapshot"] = services.shown_snapshot(row["snapshot"], known)
        return Response(rows)


class DataCategoryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """The catalogue of data categories (read-only), with the scanner finding type each matches."""

    policy_resource = services.CATEGORY_RESOURCE
    queryset = DataCategory.objects.all()
    serializer_class = DataCategorySerializer
    filterset_fields = ["special_care", "card_data", "my_number", "scanner_type", "active"]
    search_fields = ["code", "name", "name_en"]
    ordering_fields = ["order", "name", "code"]
    ordering = ["order", "name"]
