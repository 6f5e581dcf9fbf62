"""Pages of the liaison app (visits, contact day, dashboards) under /liaison/."""

app_name = "liaison"
urlpatterns: list = []
