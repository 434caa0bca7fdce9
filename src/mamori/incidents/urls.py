from mamori.incidents.views import case_views

app_name = "incidents"
urlpatterns = case_views.urlpatterns()
