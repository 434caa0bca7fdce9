"""API authentication: the browser session (with two-factor done where required) or a token."""

from __future__ import annotations

from typing import Any

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
            raise exceptions.NotAuthenticated("Two-factor authentication is required for this account.")
        return result


class TokenAuthentication(authentication.TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        if user.access_expired():
            raise exceptions.AuthenticationFailed("This account's access period has ended.")
        return user, token
