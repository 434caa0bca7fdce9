"""Error pages in the site layout; API paths get JSON (see mamori.api.errors)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
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
    return _error(request, 500, _("Server error"), _("Something went wrong. The error has been logged."))
