"""Routes of the report drafts (報告書・通知文の下書き), appended to incidents/urls.py by the cases part."""

from django.urls import path

from mamori.incidents import views_reports

urlpatterns = [
    # /incidents/12/reports/ppc_preliminary.pdf — one route for every kind and format; unknown ones are 404.
    path("<int:pk>/reports/<slug:kind>.<slug:fmt>", views_reports.download, name="reports-download"),
]
