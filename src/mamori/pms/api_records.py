"""The management system's records over the API, read-only: training, internal audits, management reviews,
documents, requests from persons and complaints.

- ``/api/v1/training-courses/`` and ``/api/v1/training-records/``: the yearly plan and who attended; staff read
  only their own records, as on the training pages;
- ``/api/v1/internal-audits/``: audit plans; one plan carries its checklist items;
- ``/api/v1/management-reviews/``: one review carries its inputs as they were gathered, its minutes and decisions;
- ``/api/v1/documents/``: controlled documents with their versions; staff read only documents in force and their
  approved versions, those who keep, approve or audit documents read drafts and withdrawn ones too;
- ``/api/v1/subject-requests/`` and ``/api/v1/complaints/``: the lists carry no personal data (as the list pages);
  reading one record gives the requester's details and is audited, as opening it on its page is.

Every endpoint asks ``mamori.accounts.policy`` as the pages do: the role's VIEW grant on the resource (403 when it
has none) and ``policy.scope`` for the rows (a record out of scope is 404). Nothing here writes.
"""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from mamori.api.fields import MAX_YEAR, MIN_YEAR
from mamori.api.filters import IdFilter
from mamori.api.viewsets import PolicyViewSet
from mamori.pms import services_audits as audits
from mamori.pms import services_documents as documents
from mamori.pms import services_requests as requests
from mamori.pms import services_reviews as reviews
from mamori.pms import services_training as training
from mamori.pms.models import (
    AuditItem,
    AuditPlan,
    Complaint,
    Course,
    Document,
    DocumentVersion,
    ManagementReview,
    SubjectRequest,
    TrainingRecord,
)

TAGS = ["pms"]


def _read_only(summary_list: str, summary_one: str) -> Any:
    """The schema of a read-only endpoint: its tag and a summary for the list and for one record."""
    return extend_schema_view(
        list=extend_schema(tags=TAGS, summary=summary_list),
        retrieve=extend_schema(tags=TAGS, summary=summary_one),
    )


class ReadOnlyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """List and read one: GET (and HEAD, OPTIONS) only; other methods are 405."""

    http_method_names = ["get", "head", "options"]


# --- filters ----------------------------------------------------------------------------------------------------

YEAR_SCHEMA = {"type": "integer", "minimum": MIN_YEAR, "maximum": MAX_YEAR, "description": "Fiscal year (年度)."}


class _YearField(forms.IntegerField):
    """A year written as four digits; ``2026.0`` or `` 2026`` are not years here (the schema says integer)."""

    def to_python(self, value: Any) -> int | None:
        if value not in self.empty_values and not re.fullmatch(r"[0-9]{4}", str(value)):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


@extend_schema_field(YEAR_SCHEMA)
class FiscalYearFilter(django_filters.NumberFilter):
    field_class = _YearField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", MIN_YEAR)
        kwargs.setdefault("max_value", MAX_YEAR)
        super().__init__(*args, **kwargs)


# --- training ---------------------------------------------------------------------------------------------------


class TrainingCourseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Course
        fields = [
            "id",
            "title",
            "description",
            "fiscal_year",
            "due_date",
            "pass_mark",
            "created_by",
            "created_at",
            "archived_at",
            "archive_reason",
        ]
        read_only_fields = fields


class TrainingCourseFilter(django_filters.FilterSet):
    fiscal_year = FiscalYearFilter()
    archived = django_filters.BooleanFilter(field_name="archived_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Course
        fields = ["fiscal_year", "archived"]


@_read_only("List training courses", "Read a training course")
class TrainingCourseViewSet(ReadOnlyViewSet):
    """Courses of the yearly training plan (教育計画), archived ones included (``archived=false`` leaves them out).
    Every internal role reads the plan."""

    policy_resource = training.COURSE
    queryset = Course.objects.all()
    serializer_class = TrainingCourseSerializer
    filterset_class = TrainingCourseFilter
    search_fields = ["title"]
    ordering_fields = ["fiscal_year", "due_date"]
    ordering = ["-fiscal_year", "due_date", "id"]


class TrainingRecordSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    passed = serializers.SerializerMethodField(help_text="The score reaches the course's pass mark.")

    class Meta:
        model = TrainingRecord
        fields = ["id", "course", "user", "username", "completed_on", "score", "passed", "recorded_by", "recorded_at"]
        read_only_fields = fields

    def get_passed(self, record: TrainingRecord) -> bool:
        return record.passed


class TrainingRecordFilter(django_filters.FilterSet):
    course = IdFilter(field_name="course_id")
    user = IdFilter(field_name="user_id")
    fiscal_year = FiscalYearFilter(field_name="course__fiscal_year")

    class Meta:
        model = TrainingRecord
        fields = ["course", "user", "fiscal_year"]


@_read_only("List training records", "Read a training record")
class TrainingRecordViewSet(ReadOnlyViewSet):
    """Attendance and test results (受講記録), one per worker and course. Staff read only their own."""

    policy_resource = training.RECORD
    queryset = TrainingRecord.objects.all()
    serializer_class = TrainingRecordSerializer
    filterset_class = TrainingRecordFilter
    ordering_fields = ["completed_on", "score"]
    ordering = ["course_id", "user__username", "id"]

    def get_queryset(self) -> QuerySet[TrainingRecord]:
        return training.visible_records(self.request.user)


# --- internal audits --------------------------------------------------------------------------------------------


class AuditItemSerializer(serializers.ModelSerializer):
    control_key = serializers.CharField(source="control.key", read_only=True)
    control_code = serializers.CharField(source="control.code", read_only=True)

    class Meta:
        model = AuditItem
        fields = [
            "id",
            "control",
            "control_key",
            "control_code",
            "result",
            "observed",
            "evidence_ref",
            "nonconformity",
            "checked_by",
            "checked_at",
        ]
        read_only_fields = fields


class AuditPlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditPlan
        fields = [
            "id",
            "title",
            "fiscal_year",
            "scope",
            "planned_from",
            "planned_to",
            "lead_auditor",
            "status",
            "report",
            "reported_at",
            "created_at",
        ]
        read_only_fields = fields


class AuditPlanDetailSerializer(AuditPlanSerializer):
    items = AuditItemSerializer(many=True, read_only=True, help_text="The checklist, in catalogue order.")

    class Meta(AuditPlanSerializer.Meta):
        fields = [*AuditPlanSerializer.Meta.fields, "items"]
        read_only_fields = fields


class AuditPlanFilter(django_filters.FilterSet):
    fiscal_year = FiscalYearFilter()

    class Meta:
        model = AuditPlan
        fields = ["fiscal_year", "status"]


@_read_only("List internal audits", "Read an internal audit with its checklist")
class InternalAuditViewSet(ReadOnlyViewSet):
    """Internal audit plans (内部監査計画). The list gives the plans; one plan gives its checklist items too."""

    policy_resource = audits.RESOURCE
    queryset = AuditPlan.objects.all()
    serializer_class = AuditPlanSerializer
    filterset_class = AuditPlanFilter
    search_fields = ["title"]
    ordering_fields = ["fiscal_year", "planned_from"]
    ordering = ["-fiscal_year", "-planned_from", "-id"]

    def base_queryset(self) -> QuerySet[AuditPlan]:
        if self.action == "retrieve":
            items = AuditItem.objects.select_related("control").order_by("control__order", "id")
            return AuditPlan.objects.prefetch_related(Prefetch("items", queryset=items))
        return AuditPlan.objects.all()

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        return AuditPlanDetailSerializer if self.action == "retrieve" else AuditPlanSerializer


# --- management reviews -----------------------------------------------------------------------------------------

INPUTS_SCHEMA = {
    "type": "object",
    "additionalProperties": True,
    "description": "What was on the table, as gathered at inputs_gathered_at (a snapshot: later changes to the "
    "records do not change it): audits, incidents, nonconformities, risks, training, scans, contractor_warnings, "
    "readiness, requests, complaints. Empty until gathered.",
}


@extend_schema_field(INPUTS_SCHEMA)
class InputsField(serializers.JSONField):
    pass


class ManagementReviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = ManagementReview
        fields = [
            "id",
            "period_from",
            "period_to",
            "held_on",
            "status",
            "inputs_gathered_at",
            "approved_by",
            "approved_at",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class ManagementReviewDetailSerializer(ManagementReviewSerializer):
    inputs = InputsField(read_only=True)

    class Meta(ManagementReviewSerializer.Meta):
        fields = [*ManagementReviewSerializer.Meta.fields, "inputs", "minutes", "decisions"]
        read_only_fields = fields


@_read_only("List management reviews", "Read a management review with its inputs")
class ManagementReviewViewSet(ReadOnlyViewSet):
    """Management reviews (マネジメントレビュー). One review gives its inputs as stored, its minutes and decisions."""

    policy_resource = reviews.RESOURCE
    queryset = ManagementReview.objects.all()
    serializer_class = ManagementReviewSerializer
    filterset_fields = ["status"]
    ordering_fields = ["period_to", "held_on"]
    ordering = ["-period_to", "-id"]

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        return ManagementReviewDetailSerializer if self.action == "retrieve" else ManagementReviewSerializer


# --- documents --------------------------------------------------------------------------------------------------


class DocumentVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = DocumentVersion
        fields = [
            "id",
            "version",
            "summary",
            "reference",
            "effective_from",
            "published_on",
            "approved_by",
            "approved_at",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class PmsDocumentSerializer(serializers.ModelSerializer):
    current_version = serializers.SerializerMethodField(
        help_text="The id of the version in force (the latest approved one); null when none is approved yet."
    )
    in_force = serializers.SerializerMethodField(help_text="A version is approved and the document is not withdrawn.")
    versions = DocumentVersionSerializer(
        many=True, read_only=True, help_text="Newest first; drafts only for those who keep, approve or audit documents."
    )

    class Meta:
        model = Document
        fields = [
            "id",
            "number",
            "title",
            "kind",
            "owner",
            "current_version",
            "in_force",
            "withdrawn_at",
            "withdraw_reason",
            "created_at",
            "versions",
        ]
        read_only_fields = fields

    def get_current_version(self, document: Document) -> int | None:
        current = document.current_version()
        return current.pk if current is not None else None

    def get_in_force(self, document: Document) -> bool:
        return document.withdrawn_at is None and document.current_version() is not None


class DocumentFilter(django_filters.FilterSet):
    class Meta:
        model = Document
        fields = ["kind"]


@_read_only("List PMS documents", "Read a PMS document with its versions")
class DocumentViewSet(ReadOnlyViewSet):
    """Controlled documents (文書管理): policies, rules, procedures and forms, with their versions. Staff read only
    the documents in force and their approved versions; the protection manager, top management and the internal
    auditor read drafts and withdrawn documents too."""

    policy_resource = documents.RESOURCE
    queryset = Document.objects.all()
    serializer_class = PmsDocumentSerializer
    filterset_class = DocumentFilter
    search_fields = ["number", "title"]
    ordering_fields = ["number", "title", "created_at"]
    ordering = ["number"]

    def base_queryset(self) -> QuerySet[Document]:
        versions = DocumentVersion.objects.order_by("-created_at", "-pk")
        if documents.oversees(self.request.user):
            return Document.objects.prefetch_related(Prefetch("versions", queryset=versions))
        approved = versions.filter(approved_at__isnull=False)
        in_force = Exists(approved.filter(document=OuterRef("pk")))
        return Document.objects.filter(in_force, withdrawn_at__isnull=True).prefetch_related(
            Prefetch("versions", queryset=approved)
        )


# --- requests from persons and complaints -----------------------------------------------------------------------


class SubjectRequestSerializer(serializers.ModelSerializer):
    overdue = serializers.SerializerMethodField(help_text="Still open after the day the answer was due.")

    class Meta:
        model = SubjectRequest
        fields = ["id", "reference", "kind", "received_on", "channel", "due_date", "status", "answered_on", "overdue"]
        read_only_fields = fields

    def get_overdue(self, item: SubjectRequest) -> bool:
        return not item.closed and item.due_date < timezone.localdate()


class SubjectRequestDetailSerializer(SubjectRequestSerializer):
    class Meta(SubjectRequestSerializer.Meta):
        fields = [
            *SubjectRequestSerializer.Meta.fields,
            "by_agent",
            "requester_name",
            "requester_contact",
            "details",
            "ledger_entry",
            "identity_method",
            "identity_checked_at",
            "identity_checked_by",
            "answer",
            "handled_by",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class _ReceivedFilter(django_filters.FilterSet):
    """Requests and complaints by the day they came in: ``received_after`` (that day included), ``received_before``."""

    received_after = django_filters.DateFilter(field_name="received_on", lookup_expr="gte")
    received_before = django_filters.DateFilter(field_name="received_on", lookup_expr="lt")


class SubjectRequestFilter(_ReceivedFilter):
    class Meta:
        model = SubjectRequest
        fields = ["kind", "status", "received_after", "received_before"]


@_read_only("List requests from persons", "Read a request from a person (audited)")
class SubjectRequestViewSet(ReadOnlyViewSet):
    """Requests from persons (開示等の請求). The list carries no personal data; reading one request gives the
    requester's name, contact and the answer, and is recorded in the audit trail as opening it on its page is."""

    policy_resource = requests.REQUEST
    queryset = SubjectRequest.objects.all()
    serializer_class = SubjectRequestSerializer
    filterset_class = SubjectRequestFilter
    search_fields = ["reference"]
    ordering_fields = ["received_on", "due_date"]
    ordering = ["-received_on", "-id"]

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        return SubjectRequestDetailSerializer if self.action == "retrieve" else SubjectRequestSerializer

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        requests.read_request(request.user, item)
        return Response(self.get_serializer(item).data)


class ComplaintSerializer(serializers.ModelSerializer):
    class Meta:
        model = Complaint
        fields = ["id", "reference", "kind", "received_on", "channel", "status", "closed_on"]
        read_only_fields = fields


class ComplaintDetailSerializer(ComplaintSerializer):
    class Meta(ComplaintSerializer.Meta):
        fields = [
            *ComplaintSerializer.Meta.fields,
            "summary",
            "contact",
            "case",
            "handling",
            "handled_by",
            "nonconformity",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class ComplaintFilter(_ReceivedFilter):
    class Meta:
        model = Complaint
        fields = ["kind", "status", "received_after", "received_before"]


@_read_only("List complaints and inquiries", "Read a complaint or inquiry (audited)")
class ComplaintViewSet(ReadOnlyViewSet):
    """Complaints and inquiries (苦情・相談). The list carries no personal data; reading one gives what was said,
    the contact and how it was handled, and is recorded in the audit trail as opening it on its page is."""

    policy_resource = requests.COMPLAINT
    queryset = Complaint.objects.all()
    serializer_class = ComplaintSerializer
    filterset_class = ComplaintFilter
    search_fields = ["reference"]
    ordering_fields = ["received_on"]
    ordering = ["-received_on", "-id"]

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        return ComplaintDetailSerializer if self.action == "retrieve" else ComplaintSerializer

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        requests.read_complaint(request.user, item)
        return Response(self.get_serializer(item).data)


def register(router: DefaultRouter) -> None:
    router.register("training-courses", TrainingCourseViewSet, basename="training-course")
    router.register("training-records", TrainingRecordViewSet, basename="training-record")
    router.register("internal-audits", InternalAuditViewSet, basename="internal-audit")
    router.register("management-reviews", ManagementReviewViewSet, basename="management-review")
    router.register("documents", DocumentViewSet, basename="pms-document")
    router.register("subject-requests", SubjectRequestViewSet, basename="subject-request")
    router.register("complaints", ComplaintViewSet, basename="complaint")
