from django.contrib.auth.decorators import login_required
from django.urls import path

from mamori.cardlists import views

app_name = "cardlists"
urlpatterns = [
    path("", login_required(views.list_page), name="list"),
    path("import/", login_required(views.import_page), name="import"),
    path("<int:pk>/", login_required(views.detail_page), name="detail"),
    path("<int:pk>/match/", login_required(views.match_action), name="match"),
    path("<int:pk>/archive/", login_required(views.archive_action), name="archive"),
    path("<int:pk>/matches.csv", login_required(views.export_csv), name="export"),
]
