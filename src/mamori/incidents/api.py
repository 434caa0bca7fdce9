"""Incident cases over the API: /api/v1/cases/ and /api/v1/case-tasks/ (same rules and audit trail as the UI).

A contractor user's new case always belongs to the user's own contractor (the service sets it), and the
``contractor``, ``ledger_entries`` and ``data_sources`` fields accept only records the user may see. The
stage moves with ``POST /cases/{id}/move/`` (a reason is required); a case is archived with
``POST /cases/{id}/archive/``, never deleted (``DELETE`` answers 405).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from mamori.accounts import policy
from mamori.accounts.models import User
from mamori.accounts.policy import Action
from mamori.api.filters import IdFilter
from mamori.api.viewsets import PolicyViewSet, ServiceViewSet
from mamori.contractors.api import VisibleContractorField
from mamori.discovery.models import DataSource
from mamori.incidents import services
from mamori.incidents.models import (
    CaseStatus,
    CaseStatusChange,
    CaseTask,
    IncidentCase,
    Playbook,
    TaskStatus,
    TimelineEvent,
    TimelineKind,
)
from mamori.ledger.models import LedgerEntry

NOT_DELETED = gettext_lazy(
    "Incident cases are never deleted. Archive the case with a reason instead (POST /api/v1/cases/{id}/archive/)."
)


class _VisibleField(serializers.PrimaryKeyRelatedField):
    """An id of a record the requesting user may see (others read as unknown)."""

    resource = ""
    model: Any = None

    def get_queryset(self) -> QuerySet[Any]:
        request = self.context.get("request")
        return policy.scope(getattr(request, "user", None), self.resource, self.model.objects.all())


class VisibleLedgerEntryField(_VisibleField):
    resource, model = "ledger_entry", LedgerEntry


class VisibleDataSourceField(_VisibleField):
    resource, model = "data_source", DataSource


class IncidentCaseSerializer(serializers.ModelSerializer):
    contractor = VisibleContractorField(allow_null=True, required=False)
    contractor_name = serializers.SerializerMethodField()
    ledger_entries = VisibleLedgerEntryField(many=True, required=False)
    data_sources = VisibleDataSourceField(many=True, required=False)
    playbook = serializers.SlugRelatedField(
        slug_field="key",
        queryset=Playbook.objects.filter(active=True),
        write_only=True,
        required=False,
        allow_null=True,
        help_text=gettext_lazy("Key of a playbook whose steps become the first tasks (on create only)."),
    )

    class Meta:
        model = IncidentCase
        fields = [
            "id",
            "title",
            "summary",
            "status",
            "discovered_at",
            "detection_source",
            "detection_detail",
            "severity",
            "suspected_breach",
            "contractor",
            "contractor_name",
            "ledger_entries",
            "data_sources",
            "exposure_from",
            "exposure_to",
            "persons_affected",
            "contractor_notified_at",
            "legal_hold",
            "hold_placed_at",
            "hold_released_at",
            "archived_at",
            "archive_reason",
            "created_by",
            "playbook",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "status",
            "contractor_notified_at",
            "legal_hold",
            "hold_placed_at",
            "hold_released_at",
            "archived_at",
            "archive_reason",
            "created_by",
            "created_at",
            "updated_at",
        ]

    def get_contractor_name(self, case: IncidentCase) -> str | None:
        return case.contractor.name if case.contractor else None

    def to_representation(self, instance: IncidentCase) -> dict[str, Any]:
        data = super().to_representation(instance)
        # Linked records the reader may not see are left out (a contractor never learns of internal entries).
        user = getattr(self.context.get("request"), "user", None)
        data["ledger_entries"] = sorted(
            policy.scope(user, "ledger_entry", instance.ledger_entries.all()).values_list("pk", flat=True)
        )
        data["data_sources"] = sorted(
            policy.scope(user, "data_source", instance.data_sources.all()).values_list("pk", flat=True)
        )
        return data


class IncidentCaseFilter(django_filters.FilterSet):
    # An id, not a choice: a choice list would tell contractor users which other contractors exist.
    contractor = IdFilter(field_name="contractor_id")
    internal = django_filters.BooleanFilter(field_name="contractor", lookup_expr="isnull")
    discovered_after = django_filters.IsoDateTimeFilter(field_name="discovered_at", lookup_expr="gte")
    discovered_before = django_filters.IsoDateTimeFilter(field_name="discovered_at", lookup_expr="lt")
    archived = django_filters.BooleanFilter(method="filter_archived", label=gettext_lazy("archived"))

    class Meta:
        model = IncidentCase
        fields = ["status", "severity", "detection_source", "contractor", "internal", "discovered_after"]

    def filter_archived(self, queryset: QuerySet[IncidentCase], name: str, value: bool | None) -> Any:
        return queryset if value is None else queryset.filter(archived_at__isnull=not value)


class MoveSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    reason = serializers.CharField(max_length=5000, allow_blank=True)
    close_with_open_tasks = serializers.BooleanField(default=False)


class CaseArchiveSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000, allow_blank=True)


class StatusChangeSerializer(serializers.ModelSerializer):
    from_status = serializers.CharField(read_only=True, help_text=gettext_lazy("empty for the opening of the case"))

    class Meta:
        model = CaseStatusChange
        fields = ["id", "from_status", "to_status", "changed_by", "changed_at", "reason"]


class TimelineEventSerializer(serializers.ModelSerializer):
    # "system" is refused by the service (only Mamori writes those lines); the choices stay the model's.
    kind = serializers.ChoiceField(choices=TimelineKind.choices, default=TimelineKind.EVENT)
    occurred_at = serializers.DateTimeField(required=False)

    class Meta:
        model = TimelineEvent
        fields = [
            "id",
            "kind",
            "occurred_at",
            "title",
            "description",
            "source",
            "reference",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = ["recorded_by", "created_at"]


class IncidentCaseViewSet(ServiceViewSet):
    """Incident cases (インシデント事案). Contractor users see their contractor's cases, investigators the
    cases they are invited to until the invitation ends. Archived cases are left out unless ``archived=true``
    is asked for; one case is always readable by its id."""

    policy_resource = services.RESOURCE
    queryset = IncidentCase.objects.select_related("contractor")
    serializer_class = IncidentCaseSerializer
    filterset_class = IncidentCaseFilter
    search_fields = ["title", "summary"]
    ordering_fields = ["discovered_at", "created_at", "updated_at", "title", "status", "severity"]
    ordering = ["-discovered_at", "-id"]
    # The object check of these actions: moving and archiving change the case; the timeline is read from a
    # visible case (adding to it is decided by the service on case_timeline).
    policy_actions = {"move": Action.CHANGE, "archive": Action.CHANGE, "timeline": Action.VIEW}

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        queryset = super().filter_queryset(queryset)
        if self.action == "list" and "archived" not in self.request.query_params:
            queryset = queryset.filter(archived_at__isnull=True)
        return queryset

    def create_record(self, data: dict[str, Any]) -> IncidentCase:
        return services.create_case(self.request.user, data)

    def update_record(self, obj: IncidentCase, data: dict[str, Any]) -> IncidentCase:
        data.pop("playbook", None)  # applied on create only
        return services.update_case(self.request.user, obj, data)

    # No DELETE in the schema or the Allow header: a case is archived, never deleted.
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def http_method_not_allowed(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        if request.method == "DELETE" and kwargs.get("pk") is not None:
            # 404 for a case the user may not know of; otherwise say what to do instead.
            if not self.get_queryset().filter(pk=kwargs["pk"]).exists():
                raise exceptions.NotFound()
            raise exceptions.MethodNotAllowed("DELETE", detail=str(NOT_DELETED))
        return super().http_method_not_allowed(request, *args, **kwargs)

    def _case_response(self, case: IncidentCase) -> Response:
        fresh = self.get_queryset().get(pk=case.pk)
        return Response(IncidentCaseSerializer(fresh, context=self.get_serializer_context()).data)

    @extend_schema(request=MoveSerializer, responses={200: IncidentCaseSerializer})
    @action(detail=True, methods=["post"], serializer_class=MoveSerializer)
    def move(self, request: Request, pk: str | None = None) -> Response:
        """Move the case to another stage, forward or back; ``reason`` is required. Closing with open
        tasks needs ``close_with_open_tasks: true``."""
        case = self.get_object()
        body = MoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        services.move_case(
            request.user, case, data["status"], data["reason"], close_with_open_tasks=data["close_with_open_tasks"]
        )
        return self._case_response(case)

    @extend_schema(request=CaseArchiveSerializer, responses={200: IncidentCaseSerializer})
    @action(detail=True, methods=["post"], serializer_class=CaseArchiveSerializer)
    def archive(self, request: Request, pk: str | None = None) -> Response:
        """Archive the case with a reason (refused while it is under legal hold)."""
        case = self.get_object()
        body = CaseArchiveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.archive_case(request.user, case, body.validated_data["reason"])
        return self._case_response(case)

    @extend_schema(methods=["GET"], responses={200: TimelineEventSerializer(many=True)})
    @extend_schema(methods=["POST"], request=TimelineEventSerializer, responses={201: TimelineEventSerializer})
    @action(
        detail=True,
        methods=["get", "post"],
        serializer_class=TimelineEventSerializer,
        pagination_class=None,
        filter_backends=[],
    )
    def timeline(self, request: Request, pk: str | None = None) -> Response:
        """GET: the timeline in the order things happened. POST: add an event, an action taken or a note."""
        case = self.get_object()
        if request.method == "POST":
            policy.check(request.user, Action.ADD, services.TIMELINE)  # 403 before a word about the input
            body = TimelineEventSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            entry = services.add_timeline_event(request.user, case, body.validated_data)
            return Response(TimelineEventSerializer(entry).data, status=status.HTTP_201_CREATED)
        return Response(TimelineEventSerializer(services.timeline(request.user, case), many=True).data)

    @extend_schema(responses={200: StatusChangeSerializer(many=True)})
    @action(
        detail=True, methods=["get"], serializer_class=StatusChangeSerializer, pagination_class=None, filter_backends=[]
    )
    def stages(self, request: Request, pk: str | None = None) -> Response:
        """Every stage move of the case: from, to, who, when and why."""
        case = self.get_object()
        return Response(StatusChangeSerializer(case.status_changes.all(), many=True).data)


# Tasks


class VisibleCaseField(_VisibleField):
    resource, model = services.RESOURCE, IncidentCase


class OwnerField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self) -> QuerySet[User]:
        return User.objects.filter(is_active=True)


class CaseTaskSerializer(serializers.ModelSerializer):
    case = VisibleCaseField()
    owner = OwnerField(allow_null=True, required=False)
    reason = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=1000)

    class Meta:
        model = CaseTask
        fields = [
            "id",
            "case",
            "title",
            "description",
            "owner",
            "due_date",
            "status",
            "done_at",
            "reason",
            "playbook_step",
            "order",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["done_at", "playbook_step", "order", "created_by", "created_at", "updated_at"]


class CaseTaskFilter(django_filters.FilterSet):
    case = IdFilter(field_name="case_id")
    owner = IdFilter(field_name="owner_id")
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")

    class Meta:
        model = CaseTask
        fields = ["case", "owner", "status", "due_before"]


class CaseTaskViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    PolicyViewSet,
):
    """Tasks of cases (``?case=ID``). Contractor users see only tasks assigned to them. A task is never
    deleted: set ``status`` to ``cancelled`` with a ``reason``. PATCH changes ``owner``, ``due_date`` and
    ``status`` (each is one recorded change); title and details stay as created."""

    policy_resource = services.TASK
    queryset = CaseTask.objects.select_related("case", "owner")
    serializer_class = CaseTaskSerializer
    filterset_class = CaseTaskFilter
    search_fields = ["title", "description"]
    ordering_fields = ["due_date", "order", "created_at", "status"]
    ordering = ["case_id", "order", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[CaseTask]:
        tasks = super().get_queryset()
        if policy.is_contractor_user(self.request.user):
            tasks = tasks.filter(owner_id=self.request.user.pk)
        return tasks

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        if data.get("status", TaskStatus.OPEN) != TaskStatus.OPEN:
            raise exceptions.ValidationError({"status": [_("A new task starts as to do.")]})
        serializer.instance = services.add_task(self.request.user, data.pop("case"), data)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        task: CaseTask = serializer.instance  # type: ignore[assignment]
        data = dict(serializer.validated_data)
        if data.get("case", task.case) != task.case:
            raise exceptions.ValidationError({"case": [_("A task stays on its case.")]})
        for name in ("title", "description"):
            if name in data and data[name] != getattr(task, name):
                raise exceptions.ValidationError({name: [_("The task's title and details stay as created.")]})
        if "owner" in data and data["owner"] != task.owner:
            task = services.assign_task(self.request.user, task, data["owner"])
        if "due_date" in data and data["due_date"] != task.due_date:
            task = services.set_task_due(self.request.user, task, data["due_date"])
        if "status" in data and data["status"] != task.status:
            task = services.set_task_status(self.request.user, task, data["status"], data.get("reason", ""))
        serializer.instance = task
