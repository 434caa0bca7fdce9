from django.urls import path

from mamori.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.entry_list, name="list"),
    path("record/<str:object_type>/<str:object_id>/", views.record_trail, name="record"),
    path("export.csv", views.export_csv, name="export"),
]
