"""Routes of the APPI assessment (appended to incidents/urls.py by the cases part; names "appi-...")."""

from __future__ import annotations

from typing import Any

from django.urls import path

from mamori.incidents import views_appi

urlpatterns: list[Any] = [
    path("<int:pk>/appi/", views_appi.assessment_page, name="appi-assess"),
]
