from django.contrib.auth.decorators import login_required
from django.urls import path
from django.views.decorators.http import require_POST

from mamori.ledger import views

app_name = "ledger"
urlpatterns = [
    path("", login_required(views.entry_list), name="list"),
    path("new/", login_required(views.entry_create), name="create"),
    path("import/", login_required(views.import_view), name="import"),
    path("export.xlsx", login_required(views.export_xlsx), name="export-xlsx"),
    path("export.csv", login_required(views.export_csv), name="export-csv"),
    path("categories/", login_required(views.category_list), name="categories"),
    path("<int:pk>/", login_required(views.entry_detail), name="detail"),
    path("<int:pk>/edit/", login_required(views.entry_edit), name="edit"),
    path("<int:pk>/delete/", login_required(require_POST(views.entry_delete)), name="delete"),
    path("<int:pk>/history/", login_required(views.entry_history), name="history"),
    path("<int:pk>/review/", login_required(require_POST(views.entry_review)), name="review"),
]
