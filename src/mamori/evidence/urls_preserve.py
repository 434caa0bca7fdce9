"""Routes of "Preserve now", appended to ``mamori.evidence.urls`` (names ``evidence:preserve-…``).

The job id is matched as text and checked in ``preserve.preservation_job`` (anything but a UUID of this case's
preservations is 404), so the route coverage test can fill every placeholder with the same sample id.
"""

from django.contrib.auth.decorators import login_required
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods

from mamori.evidence import views_preserve as views

urlpatterns = [
    path(
        "cases/<int:case_pk>/preserve/",
        login_required(require_http_methods(["GET", "POST"])(views.preserve_page)),
        name="preserve-case",
    ),
    path(
        "cases/<int:case_pk>/preserve/<str:job_id>/",
        login_required(require_GET(views.preserve_progress)),
        name="preserve-progress",
    ),
]
