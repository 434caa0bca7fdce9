from mamori.contractors.views import contractor_views

app_name = "contractors"
urlpatterns = contractor_views.urlpatterns()
