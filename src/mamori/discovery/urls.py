from django.contrib.auth.decorators import login_required
from django.urls import path
from django.views.decorators.http import require_POST

from mamori.discovery import views

app_name = "discovery"
urlpatterns = [
    path("", login_required(views.source_list), name="list"),
    path("new/", login_required(views.source_create), name="create"),
    path("reconciliation/", login_required(views.reconciliation), name="reconciliation"),
    path("evidence/", login_required(views.evidence), name="evidence"),
    path("<int:pk>/", login_required(views.source_detail), name="detail"),
    path("<int:pk>/edit/", login_required(views.source_edit), name="edit"),
    path("<int:pk>/delete/", login_required(views.source_delete), name="delete"),
    path("<int:pk>/archive/", login_required(views.source_archive), name="archive"),
    path("<int:pk>/test/", login_required(require_POST(views.source_test)), name="test"),
    path("<int:pk>/test/status/", login_required(views.source_test_status), name="test-status"),
    path("<int:pk>/scan/", login_required(require_POST(views.scan_start)), name="scan-start"),
    path("<int:pk>/reconciliation/", login_required(views.reconciliation), name="source-reconciliation"),
    path("<int:pk>/gaps/", login_required(require_POST(views.gap_action)), name="gap-action"),
    path("scans/<int:pk>/", login_required(views.scan_detail), name="scan"),
    path("scans/<int:pk>/progress/", login_required(views.scan_progress), name="scan-progress"),
    path("scans/<int:pk>/diff/", login_required(views.scan_diff), name="scan-diff"),
    path(
        "scans/<int:pk>/findings/<int:finding>/locations/",
        login_required(views.finding_locations),
        name="finding-locations",
    ),
]
