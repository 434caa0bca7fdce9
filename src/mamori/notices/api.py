"""Notices over the API: /api/v1/notice-campaigns/ (read, start, pause, retry the failed) and each campaign's
deliveries. Writes go through ``mamori.notices.services`` like the pages; reads of people's data are audited."""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from mamori.accounts.policy import Action
from mamori.api.filters import IdFilter
from mamori.api.viewsets import PolicyViewSet
from mamori.notices import services
from mamori.notices.models import Campaign, CampaignStatus, Delivery, DeliveryStatus


class NoBodySerializer(serializers.Serializer):
    """The actions start, pause and retry take no body."""


class CampaignSerializer(serializers.ModelSerializer):
    totals = serializers.SerializerMethodField()
    # A string with its values named rather than an enum: "status" is a field of many records, and the schema
    # would have to tell the enums apart (settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]).
    status = serializers.CharField(read_only=True, help_text=", ".join(CampaignStatus.values))

    class Meta:
        model = Campaign
        fields = [
            "id",
            "case",
            "scoping",
            "title",
            "channel",
            "language_mode",
            "rate_per_minute",
            "batch_size",
            "status",
            "already_notified",
            "last_error",
            "created_at",
            "started_at",
            "finished_at",
            "archived_at",
            "totals",
        ]

    def get_totals(self, campaign: Campaign) -> dict[str, Any]:
        t = services.totals(campaign)
        return {"total": t.total, "percent": t.percent, **{s: t.get(s) for s in DeliveryStatus.values}}


class DeliverySerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text=", ".join(DeliveryStatus.values))
    name = serializers.CharField(source="person.name", read_only=True)
    identity = serializers.CharField(source="person.identity", read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "identity",
            "name",
            "language",
            "address",
            "status",
            "message_id",
            "attempts",
            "queued_at",
            "claimed_at",
            "sent_at",
            "bounced_at",
            "failed_at",
            "server_reply",
        ]


class CampaignFilter(django_filters.FilterSet):
    case = IdFilter(field_name="case")
    status = django_filters.CharFilter(help_text=", ".join(CampaignStatus.values))  # no enum: see the serializer

    class Meta:
        model = Campaign
        fields = ["case", "channel", "status"]


class CampaignViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """Notice campaigns (本人への通知) with their totals; each campaign's deliveries at ``deliveries/``."""

    policy_resource = services.RESOURCE
    policy_actions = {"deliveries": Action.VIEW, "start": Action.CHANGE, "pause": Action.CHANGE, "retry": Action.CHANGE}
    queryset = Campaign.objects.select_related("case")
    serializer_class = CampaignSerializer
    filterset_class = CampaignFilter
    ordering_fields = ["created_at"]
    ordering = ["-created_at"]
    query_parameters = {"deliveries": {"status"}}

    @action(detail=True, methods=["get"], serializer_class=DeliverySerializer)
    def deliveries(self, request: Request, pk: str | None = None) -> Response:
        """Each person's delivery, paged; ``status`` filters (queued, sent, bounced, failed, unknown, no_contact)."""
        campaign = self.get_object()
        rows = campaign.deliveries.select_related("person").order_by("pk")
        status = request.query_params.get("status", "")
        if status:
            if status not in DeliveryStatus.values:
                raise serializers.ValidationError({"status": [", ".join(DeliveryStatus.values)]})
            rows = rows.filter(status=status)
        page = self.paginate_queryset(rows)
        items = page if page is not None else list(rows)
        with transaction.atomic():
            services.record_read(request.user, campaign, "API deliveries", len(items))
        data = DeliverySerializer(items, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def _run(self, func: Any) -> Response:
        campaign = self.get_object()
        try:
            func(campaign)
        except DjangoValidationError as error:
            raise serializers.ValidationError({"detail": error.messages}) from None
        campaign.refresh_from_db()
        return Response(CampaignSerializer(campaign).data)

    @action(detail=True, methods=["post"], serializer_class=NoBodySerializer)
    def start(self, request: Request, pk: str | None = None) -> Response:
        """Start or resume sending the queued e-mail in the background."""
        return self._run(lambda c: services.start_sending(request.user, c))

    @action(detail=True, methods=["post"], serializer_class=NoBodySerializer)
    def pause(self, request: Request, pk: str | None = None) -> Response:
        return self._run(lambda c: services.pause_sending(request.user, c))

    @action(detail=True, methods=["post"], serializer_class=NoBodySerializer)
    def retry(self, request: Request, pk: str | None = None) -> Response:
        """Queue the failed deliveries (only those) again and send them."""
        return self._run(lambda c: services.retry_failed(request.user, c))


def register(router: DefaultRouter) -> None:
    """Add this app's endpoints to the /api/v1/ router."""
    router.register("notice-campaigns", CampaignViewSet, basename="notice-campaign")
