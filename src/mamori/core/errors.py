"""Error pages in the site layout; API paths get JSON (see mamori.api.errors). Also the logging filter that
keeps a refused or missing page to one log line.

The pages are what `./scripts/start` and production show: DEBUG is off there, so Django's debug pages (with
their list of URL patterns) never reach a user; DEBUG=1 (`./scripts/start --dev`) is for development only.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _error(request: HttpRequest, status: int, title: str, detail: str) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            {"error": {"status": status, "code": title.lower().replace(" ", "_"), "message": detail}},
            status=status,
        )
    return render(request, "core/error.html", {"status": status, "title": title, "detail": detail}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400, _("Bad request"), _("The request could not be understood."))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # A refusal that is not about the role (a legal hold) says why; role refusals stay generic.
    detail = getattr(exception, "user_message", None) or _("Your role does not allow this.")
    return _error(request, 403, _("Forbidden"), str(detail))


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, _("Not found"), _("There is no such page or record."))


def server_error(request: HttpRequest) -> HttpResponse:
    title, detail = _("Server error"), _("Something went wrong. The error has been logged.")
    if _is_api(request):
        return _error(request, 500, title, detail)
    # Without the site layout: its menu and organisation name read the database, which may be what failed.
    page = loader.get_template("core/error_500.html").render({"status": 500, "title": title, "detail": detail})
    return HttpResponse(page, status=500)


class ClientErrorsWithoutTraceback(logging.Filter):
    """One line for a 4xx: Django logs a refused request (403) with the PermissionDenied traceback, which says
    nothing about a fault and buries real errors. Server errors (5xx) keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
