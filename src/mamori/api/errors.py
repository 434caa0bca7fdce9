"""One JSON error shape for the whole API: {"error": {"status", "code", "message", "fields"?}}.

Django's own exceptions raised by the services (ValidationError, PermissionDenied, the policy's 404,
ProtectedError) become the matching API errors, and anything unexpected becomes a logged JSON 500
instead of an HTML page, so a client always gets the same shape.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from mamori.accounts import policy
from mamori.api.permissions import refusal_message

logger = logging.getLogger("mamori.api")

VALIDATION_MESSAGE = gettext_lazy("Some fields are not valid.")
CONFLICT_MESSAGE = gettext_lazy(
    "The request is well formed but conflicts with the records stored: a value that must be unique is taken, "
    "or a record it names does not exist."
)
# Field error codes that depend on what is stored rather than on the request: these answer 409, not 400, so that
# a request the schema allows is refused only for a reason the schema cannot know.
STATE_CODES = frozenset({"unique", "does_not_exist", "unique_together", "conflict"})


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request body is too large.")
    default_code = "request_too_large"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("Other records still refer to this one, so it cannot be deleted.")
    default_code = "protected"


def validation_error(exc: DjangoValidationError, default_field: str | None = None) -> exceptions.ValidationError:
    """A DRF field-level error from a Django one (``__all__`` becomes ``non_field_errors``)."""
    if hasattr(exc, "error_dict"):
        fields = {
            (api_settings.NON_FIELD_ERRORS_KEY if key == NON_FIELD_ERRORS else key): _details(errors)
            for key, errors in exc.error_dict.items()
        }
        return exceptions.ValidationError(fields)
    return exceptions.ValidationError({default_field or api_settings.NON_FIELD_ERRORS_KEY: _details(exc.error_list)})


def _details(errors: list[DjangoValidationError]) -> list[ErrorDetail]:
    """The messages with their codes kept (a service's code="conflict" or "unique" makes the answer 409)."""
    return [ErrorDetail(message, code=error.code or "invalid") for error in errors for message in error.messages]


def _as_api_exception(exc: Exception) -> Exception:
    if isinstance(exc, DjangoValidationError):
        return validation_error(exc)
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, policy.Refused):
        return exceptions.PermissionDenied(refusal_message(exc.action, exc.resource_name))
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, ProtectedError | RestrictedError):
        return Conflict()
    if isinstance(exc, RequestDataTooBig):
        return RequestTooLarge()
    if isinstance(exc, SuspiciousOperation):
        return exceptions.ParseError(_("The request could not be read."))
    if isinstance(exc, IntegrityError):
        return Conflict(_("The change conflicts with another record; reload and try again."), "conflict")
    return exc


def _fields(data: Any) -> dict[str, Any]:
    return data if isinstance(data, dict) else {api_settings.NON_FIELD_ERRORS_KEY: data}


def _flat_codes(codes: Any) -> list[str]:
    if isinstance(codes, dict):
        return [code for value in codes.values() for code in _flat_codes(value)]
    if isinstance(codes, list | tuple):
        return [code for value in codes for code in _flat_codes(value)]
    return [str(codes)]


def _is_state_conflict(exc: exceptions.ValidationError) -> bool:
    codes = _flat_codes(exc.get_codes())
    return bool(codes) and all(code in STATE_CODES for code in codes)


def _code(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    if isinstance(codes, str):
        return codes
    return str(getattr(exc, "default_code", "error"))


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    exc = _as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        # A bug, not bad input: log the traceback for the operator, give the client the usual shape.
        logger.exception("Unexpected error in API view %s", context.get("view"), exc_info=exc)
        set_rollback()
        failure = {"status": 500, "code": "server_error", "message": _("Something went wrong on the server.")}
        return Response({"error": failure}, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    assert isinstance(exc, exceptions.APIException)
    body: dict[str, Any] = {"status": response.status_code}
    if isinstance(exc, exceptions.ValidationError):
        conflict = _is_state_conflict(exc)
        body["code"] = "conflict" if conflict else "invalid"
        body["message"] = str(CONFLICT_MESSAGE if conflict else VALIDATION_MESSAGE)
        body["fields"] = _fields(response.data)
        response.status_code = status.HTTP_409_CONFLICT if conflict else status.HTTP_400_BAD_REQUEST
        body["status"] = response.status_code
    else:
        body["code"] = _code(exc)
        detail = response.data.get("detail") if isinstance(response.data, dict) else response.data
        body["message"] = str(detail)
    response.data = {"error": body}
    return response


def error_response(status_code: int, code: str, message: str) -> JsonResponse:
    """The same shape for answers given outside DRF views (unknown API addresses)."""
    body = {"error": {"status": status_code, "code": code, "message": message}}
    return JsonResponse(body, status=status_code, json_dumps_params={"ensure_ascii": False})


@csrf_exempt  # an unknown address answers 404 in JSON for every method, never Django's HTML CSRF page
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    return error_response(
        404, "not_found", _("No API endpoint at this address. Addresses end with a slash, e.g. /api/v1/cases/.")
    )
