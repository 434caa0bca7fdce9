from django.urls import path

from mamori.cardlists import views

app_name = "cardlists"
urlpatterns = [
    path("", views.list_page, name="list"),
    path("import/", views.import_page, name="import"),
    path("<int:pk>/", views.detail_page, name="detail"),
    path("<int:pk>/match/", views.match_action, name="match"),
    path("<int:pk>/archive/", views.archive_action, name="archive"),
    path("<int:pk>/matches.csv", views.export_csv, name="export"),
]
