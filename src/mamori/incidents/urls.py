"""/incidents/: cases, their stage moves, timeline and tasks, playbooks; then the routes of the other incident
features (APPI assessment, report drafts, contractor portal), each in its own urls_<part>.py."""

from __future__ import annotations

from typing import Any

from django.urls import path

from mamori.incidents import urls_appi, urls_portal, urls_reports, views

app_name = "incidents"
urlpatterns: list[Any] = [
    path("", views.case_list, name="list"),
    path("new/", views.case_create, name="create"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/edit/", views.case_edit, name="edit"),
    path("<int:pk>/move/", views.case_move, name="move"),
    path("<int:pk>/archive/", views.case_archive, name="archive"),
    path("<int:pk>/timeline/", views.timeline_add, name="timeline-add"),
    path("<int:pk>/tasks/", views.task_add, name="task-add"),
    path("<int:pk>/playbook/", views.playbook_apply, name="playbook-apply"),
    path("tasks/<int:pk>/", views.task_change, name="task-change"),
    path("playbooks/", views.playbook_list, name="playbook-list"),
    path("playbooks/new/", views.playbook_create, name="playbook-create"),
    path("playbooks/<int:pk>/", views.playbook_detail, name="playbook-detail"),
    path("playbooks/<int:pk>/edit/", views.playbook_edit, name="playbook-edit"),
    path("playbooks/<int:pk>/steps/new/", views.step_create, name="step-create"),
    path("playbooks/steps/<int:pk>/edit/", views.step_edit, name="step-edit"),
    path("playbooks/steps/<int:pk>/delete/", views.step_delete, name="step-delete"),
]
urlpatterns += urls_appi.urlpatterns + urls_reports.urlpatterns + urls_portal.urlpatterns
