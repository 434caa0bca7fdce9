from django.urls import path

app_name = "audit"
from mamori.core.views import dashboard

urlpatterns = [path("", dashboard, name="list")]
