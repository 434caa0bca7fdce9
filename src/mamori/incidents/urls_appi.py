"""Routes of the APPI assessment (appended to incidents/urls.py by the cases part)."""

from __future__ import annotations

from typing import Any

urlpatterns: list[Any] = []
