from django.urls import path

from mamori.core import views

app_name = "core"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("areas/<slug:key>/", views.area, name="area"),
    path("healthz", views.healthz, name="healthz"),
]
