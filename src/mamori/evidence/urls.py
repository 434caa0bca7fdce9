"""/evidence/: a case's evidence, one piece with its chain of custody, download, destruction, the legal hold.

The preservation pages (the "preserve now" part) come from ``urls_preserve``.
"""

from django.contrib.auth.decorators import login_required
from django.urls import path
from django.views.decorators.http import require_POST

from mamori.evidence import urls_preserve, views

app_name = "evidence"
urlpatterns = [
    path("cases/<int:case_id>/", login_required(views.case_evidence), name="case"),
    path("cases/<int:case_id>/upload/", login_required(require_POST(views.upload)), name="upload"),
    path("cases/<int:case_id>/records/", login_required(require_POST(views.add_record)), name="add-record"),
    path("cases/<int:case_id>/hold/release/", login_required(require_POST(views.hold_request)), name="hold-request"),
    path("cases/<int:case_id>/hold/place/", login_required(require_POST(views.hold_place)), name="hold-place"),
    path("hold-releases/<int:pk>/approve/", login_required(require_POST(views.hold_approve)), name="hold-approve"),
    path("hold-releases/<int:pk>/withdraw/", login_required(require_POST(views.hold_withdraw)), name="hold-withdraw"),
    path("<int:pk>/", login_required(views.detail), name="detail"),
    path("<int:pk>/download/", login_required(views.download), name="download"),
    path("<int:pk>/destroy/", login_required(require_POST(views.destroy)), name="destroy"),
    path("<int:pk>/transfer/", login_required(require_POST(views.transfer)), name="transfer"),
    *urls_preserve.urlpatterns,
]
