"""Routes of the contractor portal, investigator access and case-file export (appended to incidents/urls.py,
so under /incidents/ in the "incidents" namespace)."""

from __future__ import annotations

from django.urls import path

from mamori.incidents import views_portal as views

urlpatterns = [
    path("portal/", views.home, name="portal-home"),
    path("portal/report/", views.report, name="portal-report"),
    path("portal/cases/<int:pk>/", views.case_view, name="portal-case"),
    path("portal/cases/<int:pk>/evidence/", views.upload, name="portal-upload"),
    path("portal/notices/<int:pk>/acknowledge/", views.acknowledge, name="portal-acknowledge"),
    path("portal/tasks/", views.tasks, name="portal-tasks"),
    path("portal/tasks/<int:pk>/", views.task_view, name="portal-task"),
    path("portal/access/<int:pk>/revoke/", views.revoke, name="portal-revoke"),
    path("<int:pk>/preservation-notice/", views.send_notice, name="portal-send-notice"),
    path("<int:pk>/investigators/", views.invite, name="portal-invite"),
    path("<int:pk>/export/", views.export_view, name="portal-export"),
]
