"""API authentication: a token, or the browser session (with two-factor done where required).

Tokens are issued by ``POST /api/v1/auth/token/`` only after the password and, for accounts with
two-factor authentication, a code (see mamori.accounts.api); each request there makes a new named token.
Token is listed first in settings so that a request without credentials gets 401 with
``WWW-Authenticate: Token``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from mamori.accounts import services
from mamori.accounts.middleware import SESSION_KEY
from mamori.accounts.services import requires_two_factor


class SessionAuthentication(authentication.SessionAuthentication):
    def enforce_csrf(self, request: Request) -> None:
        # DRF's refusal is English ("CSRF Failed: ..."); say it in the user's language and say what to do.
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied:
            raise exceptions.PermissionDenied(
                _(
                    "The CSRF check failed. A browser session must send the X-CSRFToken header with the "
                    "csrftoken cookie's value; scripts should use an API token instead."
                ),
                code="csrf_failed",
            ) from None

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        if requires_two_factor(user) and not request._request.session.get(SESSION_KEY):
            raise exceptions.NotAuthenticated(_("Two-factor authentication is required for this account."))
        return result


class TokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Token <key>`` with a Mamori API token (accounts.ApiToken, stored only as a digest).

    Expired and revoked tokens, and tokens of locked, inactive or expired accounts, get a JSON 401 that
    says why.
    """

    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Send the token as 'Authorization: Token <token>'."))
        try:
            key = parts[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        return self.authenticate_credentials(key)

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        try:
            return services.authenticate_api_token(key)
        except services.TokenRefused as refused:
            raise exceptions.AuthenticationFailed(str(refused)) from None

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "mamori.api.authentication.SessionAuthentication"
    name = "sessionAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "mamori.api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "A Mamori API token, sent as `Authorization: Token mamori_…`. Get one from "
                "POST /api/v1/auth/token/ (user name, password and two-factor code) or the API tokens page; "
                "it is shown once, expires (90 days by default) and is revoked when the password changes, "
                "the account is locked or deactivated, or two-factor authentication is reset."
            ),
        }
