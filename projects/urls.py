from django.urls import path

from . import views, views_project

app_name = "projects"
urlpatterns = [
    path("", views.project_list, name="list"),
    path("demands/", views.demands, name="demands"),
    path("demands/runs/<int:pk>/progress/", views.run_progress, name="run-progress"),
    path("new/", views.project_new, name="new"),
    path("<int:pk>/", views_project.project_detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", views_project.project_act, name="act"),
    path("<int:pk>/export.xlsx", views_project.project_export_view, name="export"),
    path("public/<uuid:key>/", views_project.project_public, name="public"),
]
