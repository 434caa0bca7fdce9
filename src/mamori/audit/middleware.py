"""Tags every request's audit entries with where they came from (web or API, IP address, browser)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from mamori.audit.context import origin


def client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR is set by the server; X-Forwarded-For is trusted only when configured behind a proxy.
    from django.conf import settings

    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        via = "api" if request.path.startswith("/api/") else "web"
        with origin(via, client_ip(request), request.META.get("HTTP_USER_AGENT", "")):
            return self.get_response(request)
