from django.urls import path

from mamori.pms import views, views_audits, views_reviews, views_training

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
    path("training/", views_training.course_list, name="training"),
    path("training/new/", views_training.course_create, name="course_create"),
    path("training/certificates.xlsx", views_training.certificates_xlsx, name="certificates"),
    path("training/<int:pk>/", views_training.course_detail, name="course_detail"),
    path("training/<int:pk>/edit/", views_training.course_edit, name="course_edit"),
    path("training/<int:pk>/attendance/", views_training.attendance_record, name="attendance"),
    path("training/<int:pk>/archive/", views_training.course_archive, name="course_archive"),
    path("audits/", views_audits.plan_list, name="audits"),
    path("audits/new/", views_audits.plan_create, name="audit_create"),
    path("audits/<int:pk>/", views_audits.plan_detail, name="audit_detail"),
    path("audits/<int:pk>/edit/", views_audits.plan_edit, name="audit_edit"),
    path("audits/<int:pk>/report/", views_audits.plan_report, name="audit_report"),
    path("audits/items/<int:pk>/", views_audits.item_edit, name="audit_item"),
    path("audits/items/<int:pk>/nonconformity/", views_audits.item_raise, name="audit_raise"),
    path("reviews/", views_reviews.review_list, name="reviews"),
    path("reviews/<int:pk>/", views_reviews.review_detail, name="review_detail"),
    path("reviews/<int:pk>/gather/", views_reviews.review_gather, name="review_gather"),
    path("reviews/<int:pk>/approve/", views_reviews.review_approve, name="review_approve"),
]
