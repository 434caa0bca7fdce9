"""Authentication backend that goes through the lockout rules in services.check_credentials."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from mamori.accounts import services
from mamori.accounts.models import User


class LockoutBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or password is None:
            return None
        try:
            return services.check_credentials(username, password)
        except services.LoginRefused:
            return None

    def user_can_authenticate(self, user: Any) -> bool:
        return bool(getattr(user, "is_active", False)) and not user.access_expired()

    def get_user(self, user_id: int) -> User | None:
        user = super().get_user(user_id)
        # An investigator's session ends when the access period ends.
        if user is not None and not self.user_can_authenticate(user):
            return None
        return user
