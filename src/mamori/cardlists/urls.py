app_name = "cardlists"
urlpatterns: list = []
