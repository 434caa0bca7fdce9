"""notices over the API (/api/v1/…); registered on the shared router by register()."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter


def register(router: DefaultRouter) -> None:
    """Add this app's endpoints to the /api/v1/ router."""
