from django.contrib.auth.decorators import login_required
from django.urls import path
from django.views.decorators.http import require_POST

from mamori.contractors import views
from mamori.contractors.views import contractor_views as crud

app_name = "contractors"
urlpatterns = [
    path("", views.list_view, name="list"),
    path("new/", login_required(crud.create_view), name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", login_required(crud.edit_view), name="edit"),
    path("<int:pk>/delete/", login_required(require_POST(crud.delete_view)), name="delete"),
    path("criteria/", views.criteria_list, name="criteria"),
    path("criteria/new/", views.criterion_form, name="criterion-new"),
    path("criteria/<int:pk>/", views.criterion_form, name="criterion-edit"),
    path("<int:pk>/evaluations/new/", views.evaluation_new, name="evaluation-new"),
    path("evaluations/<int:pk>/", views.evaluation_detail, name="evaluation"),
    path("evaluations/<int:pk>/approve/", views.evaluation_approve, name="evaluation-approve"),
    path("<int:pk>/contracts/new/", views.contract_new, name="contract-new"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract"),
    path("contracts/<int:pk>/edit/", views.contract_edit, name="contract-edit"),
    path("<int:pk>/subcontractors/new/", views.subcontractor_new, name="subcontractor-new"),
    path("subcontractors/<int:pk>/approve/", views.subcontractor_approve, name="subcontractor-approve"),
    path("<int:pk>/reviews/new/", views.review_new, name="review-new"),
    path("reviews/<int:pk>/complete/", views.review_complete, name="review-complete"),
    path("archive/<slug:kind>/<int:pk>/", views.archive, name="archive"),
    path("<int:pk>/manual/generate/", views.manual_generate, name="manual-generate"),
    path("manuals/<int:pk>.<slug:fmt>", views.manual_download, name="manual-download"),
    path("portal/manual/", views.portal_manual, name="portal-manual"),
    path("portal/manual/<int:pk>/acknowledge/", views.portal_acknowledge, name="portal-acknowledge"),
]
