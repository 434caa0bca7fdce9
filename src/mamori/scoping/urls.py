app_name = "scoping"
urlpatterns: list = []
