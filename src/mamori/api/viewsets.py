"""The base of every record endpoint: scoped querysets, services for writes, policy for permission.

A subclass names its ``policy_resource`` and base queryset and implements the service calls; the
permission class (mamori.api.permissions) and ``get_queryset`` here make unseen records 404 and
visible-but-forbidden ones 403, exactly as the UI does.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from rest_framework import viewsets
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from mamori.accounts import policy


class PolicyViewSet(viewsets.GenericViewSet):
    policy_resource: str
    lookup_value_regex = r"[0-9]+"

    def base_queryset(self) -> QuerySet[Any]:
        queryset = type(self).queryset
        assert queryset is not None, f"{type(self).__name__} needs a queryset"
        return queryset.all()

    def get_queryset(self) -> QuerySet[Any]:
        return policy.scope(self.request.user, self.policy_resource, self.base_queryset())

    def options(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        if self.detail:
            self.get_object()  # a record the user may not see is 404 here too, not a description of it
        return super().options(request, *args, **kwargs)


class ServiceViewSet(PolicyViewSet, viewsets.ModelViewSet):
    """Create, update and delete through the domain services — never ``serializer.save()``."""

    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def create_record(self, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    def update_record(self, obj: Any, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    def delete_record(self, obj: Any) -> None:
        raise NotImplementedError

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        serializer.instance = self.create_record(dict(serializer.validated_data))

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        serializer.instance = self.update_record(serializer.instance, dict(serializer.validated_data))

    def perform_destroy(self, instance: Any) -> None:
        self.delete_record(instance)
