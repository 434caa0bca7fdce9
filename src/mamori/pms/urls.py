from django.urls import path

from mamori.pms import views

app_name = "pms"
urlpatterns = [
    path("", views.control_list, name="list"),
    path("readiness/", views.readiness_page, name="readiness"),
    path("readiness.xlsx", views.readiness_xlsx, name="readiness_xlsx"),
    path("readiness.pdf", views.readiness_pdf, name="readiness_pdf"),
    path("<int:pk>/", views.control_detail, name="detail"),
    path("<int:pk>/edit/", views.control_edit, name="edit"),
    path("<int:pk>/evidence/", views.evidence_add, name="evidence_add"),
    path("evidence/<int:pk>/archive/", views.evidence_archive, name="evidence_archive"),
]
