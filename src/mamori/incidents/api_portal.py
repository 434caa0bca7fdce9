"""The portal's actions over the API (same services, policy and audit trail as the pages):

- ``POST /api/v1/portal/reports/``: a contractor user reports a suspected incident;
- ``GET /api/v1/portal/notices/``, ``POST /api/v1/portal/notices/{id}/acknowledge/``: preservation notices;
- ``GET /api/v1/portal/tasks/``, ``PATCH /api/v1/portal/tasks/{id}/``: the tasks assigned to the caller.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.api.viewsets import PolicyViewSet, ServiceViewSet
from mamori.incidents import portal
from mamori.incidents.models import CaseTask, IncidentCase, PreservationNotice, TaskStatus


class PortalReportSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField()
    learned_at = serializers.DateTimeField(required=False, allow_null=True)
    detection_detail = serializers.CharField(required=False, allow_blank=True, default="")


class PortalReportedCaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = IncidentCase
        fields = ["id", "title", "summary", "status", "discovered_at", "contractor_notified_at", "detection_source"]


class PortalReportViewSet(PolicyViewSet):
    """A contractor user's report of a suspected incident: opens a case of its contractor and starts the
    client's clock (the case's ``discovered_at`` is the moment of the report)."""

    policy_resource = portal.CASE
    queryset = IncidentCase.objects.none()
    serializer_class = PortalReportSerializer

    @extend_schema(request=PortalReportSerializer, responses={201: PortalReportedCaseSerializer})
    def create(self, request: Request) -> Response:
        portal.check_may_report(request.user)
        serializer = PortalReportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case = portal.report_incident(request.user, serializer.validated_data)
        return Response(PortalReportedCaseSerializer(case).data, status=status.HTTP_201_CREATED)


class PortalNoticeSerializer(serializers.ModelSerializer):
    case_title = serializers.CharField(source="case.title", read_only=True)
    contractor_name = serializers.CharField(source="contractor.name", read_only=True)
    acknowledged_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = PreservationNotice
        fields = [
            "id",
            "case",
            "case_title",
            "contractor",
            "contractor_name",
            "text",
            "sent_at",
            "acknowledged_at",
            "acknowledged_by",
        ]
        read_only_fields = fields


class PortalNoticeViewSet(PolicyViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Preservation notices (証拠保全の依頼) the caller may see; contractor users acknowledge theirs."""

    policy_resource = portal.NOTICE
    policy_actions = {"acknowledge": Action.CHANGE}
    queryset = PreservationNotice.objects.select_related("case", "contractor", "acknowledged_by").order_by("-sent_at")
    serializer_class = PortalNoticeSerializer

    @extend_schema(request=None, responses={200: PortalNoticeSerializer})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        notice = portal.acknowledge_notice(request.user, self.get_object())
        return Response(PortalNoticeSerializer(notice).data)


class PortalTaskSerializer(serializers.ModelSerializer):
    case_title = serializers.CharField(source="case.title", read_only=True)
    status = serializers.ChoiceField(choices=TaskStatus.choices)
    note = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=portal.MAX_NOTE)

    class Meta:
        model = CaseTask
        fields = ["id", "case", "case_title", "title", "description", "due_date", "status", "done_at", "note"]
        read_only_fields = ["id", "case", "case_title", "title", "description", "due_date", "done_at"]


class PortalTaskViewSet(ServiceViewSet):
    """The tasks assigned to the caller; the owner changes a task's status with a note."""

    policy_resource = portal.TASK
    queryset = CaseTask.objects.select_related("case")
    serializer_class = PortalTaskSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Any]:
        # A role without tasks in the portal gets 404 for a task, as for any record it may not see.
        if policy.Action.VIEW not in policy.allowed(self.request.user, portal.TASK):
            return CaseTask.objects.none()
        return portal.my_tasks(self.request.user)

    def update_record(self, obj: CaseTask, data: dict[str, Any]) -> CaseTask:
        return portal.update_my_task(self.request.user, obj, data.get("status", obj.status), data.get("note", ""))
