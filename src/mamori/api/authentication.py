"""API authentication: a token, or the browser session (with two-factor done where required).

Tokens are issued by ``POST /api/v1/auth/token/`` only after the password and, for accounts with
two-factor authentication, a code (see mamori.api.views). Token is listed first in settings so that a
request without credentials gets 401 with ``WWW-Authenticate: Token``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from mamori.accounts.middleware import SESSION_KEY
from mamori.accounts.services import requires_two_factor


class SessionAuthentication(authentication.SessionAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        if requires_two_factor(user) and not request._request.session.get(SESSION_KEY):
            raise exceptions.NotAuthenticated(_("Two-factor authentication is required for this account."))
        return result


class TokenAuthentication(authentication.TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        if user.access_expired():
            raise exceptions.AuthenticationFailed(_("This account's access period has ended."))
        if requires_two_factor(user) and not user.has_totp:
            # Two-factor was reset after the token was issued: the token no longer proves it.
            raise exceptions.AuthenticationFailed(_("Set up two-factor authentication, then request a new token."))
        return user, token


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "mamori.api.authentication.SessionAuthentication"
    name = "sessionAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
