"""One JSON error shape for the whole API: {"error": {"status", "code", "message", "fields"}}."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = getattr(exc, "default_code", "error")
    body: dict[str, Any] = {"status": response.status_code, "code": code}
    if isinstance(exc, exceptions.ValidationError):
        body["message"] = "Some fields are not valid."
        body["fields"] = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        response.status_code = status.HTTP_400_BAD_REQUEST
    else:
        detail = response.data.get("detail") if isinstance(response.data, dict) else response.data
        body["message"] = str(detail)
    response.data = {"error": body}
    return response
