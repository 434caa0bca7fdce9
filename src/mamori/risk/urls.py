from django.contrib.auth.decorators import login_required
from django.urls import path

from mamori.risk import views
from mamori.risk.views import nonconformity_views as nc

app_name = "risk"
urlpatterns = [
    path("", views.risk_list, name="list"),
    path("new/", views.risk_create, name="create"),
    path("generate/", views.risk_generate, name="generate"),
    path("matrix/", views.matrix_view, name="matrix"),
    path("export.xlsx", views.export_xlsx, name="export"),
    path("<int:pk>/", views.risk_detail, name="detail"),
    path("<int:pk>/edit/", views.risk_edit, name="edit"),
    path("<int:pk>/accept/", views.risk_accept, name="accept"),
    path("<int:pk>/archive/", views.risk_archive, name="archive"),
    path("nonconformities/", login_required(views.nonconformity_list), name="nc_list"),
    path("nonconformities/new/", login_required(nc.create_view), name="nc_create"),
    path("nonconformities/<int:pk>/", login_required(views.nonconformity_detail), name="nc_detail"),
    path("nonconformities/<int:pk>/edit/", login_required(nc.edit_view), name="nc_edit"),
    path("nonconformities/<int:pk>/archive/", login_required(views.nonconformity_archive), name="nc_archive"),
    path("nonconformities/<int:pk>/close/", login_required(views.nonconformity_close), name="nc_close"),
]
