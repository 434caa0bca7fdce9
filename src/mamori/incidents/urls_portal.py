"""Routes of the contractor portal, investigator access and case-file export (appended to incidents/urls.py)."""

from __future__ import annotations

from typing import Any

urlpatterns: list[Any] = []
