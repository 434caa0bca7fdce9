"""Sends users who must use two-factor authentication to enrol before anything else."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from mamori.accounts.services import requires_two_factor

SESSION_KEY = "mamori_2fa_ok"
# The API checks the same flag in its session authentication (mamori.api.authentication).
OPEN_PREFIXES = (
    "/accounts/login",
    "/accounts/logout",
    "/accounts/two-factor/",
    "/i18n/",
    "/static/",
    "/healthz",
    "/api/",
)


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and requires_two_factor(user)
            and not request.session.get(SESSION_KEY)
            and not request.path.startswith(OPEN_PREFIXES)
        ):
            return redirect("accounts:two_factor_setup")
        return self.get_response(request)
