"""Routes of the notices to individuals, under /notices/."""

from django.urls import path

from mamori.notices import views

app_name = "notices"
urlpatterns = [
    path("case/<int:case_pk>/", views.case_campaigns, name="case"),
    path("case/<int:case_pk>/new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/progress/", views.progress, name="progress"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/start/", views.start, name="start"),
    path("<int:pk>/pause/", views.pause, name="pause"),
    path("<int:pk>/retry/", views.retry, name="retry"),
    path("<int:pk>/bounces/", views.import_bounces, name="bounces"),
    path("<int:pk>/posted/", views.posted, name="posted"),
    path("<int:pk>/archive/", views.archive, name="archive"),
    path("<int:pk>/letters.pdf", views.letters_pdf, name="letters-pdf"),
    path("<int:pk>/letters.csv", views.letters_csv, name="letters-csv"),
    path("<int:pk>/no-contact.csv", views.no_contact_csv, name="no-contact"),
    path("deliveries/<int:pk>/", views.delivery, name="delivery"),
]
