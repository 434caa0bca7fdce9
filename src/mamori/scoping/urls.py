"""/scoping/: a case's scoping (versions, define, preview, run), one version, its people, CSV, archive, and the
inquiry desk."""

from django.contrib.auth.decorators import login_required
from django.urls import path
from django.views.decorators.http import require_POST

from mamori.scoping import views

app_name = "scoping"
urlpatterns = [
    path("cases/<int:case_id>/", login_required(views.case_scoping), name="case"),
    path("<int:pk>/", login_required(views.detail), name="detail"),
    path("<int:pk>/people/", login_required(views.people), name="people"),
    path("<int:pk>/export/", login_required(views.export), name="export"),
    path("<int:pk>/archive/", login_required(require_POST(views.archive)), name="archive"),
    path("inquiry/", login_required(views.inquiry), name="inquiry"),
]
