"""Dashboard, assessment and survey pages, included into the liaison namespace under
/liaison/dashboard/ (so "liaison:dashboard" is the dashboard)."""

from django.urls import path

from dashboard import assessment_views, survey_views, views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export/", views.dashboard_export, name="dashboard-export"),
    path("print/", views.dashboard_print, name="dashboard-print"),
    path("assessment/", assessment_views.assessment, name="assessment"),
    path("assessment/export/", assessment_views.assessment_export, name="assessment-export"),
    path("surveys/", survey_views.survey_list, name="surveys"),
    path("surveys/<int:pk>/", survey_views.survey_detail, name="survey-detail"),
    path("surveys/<int:pk>/answer/", survey_views.survey_answer, name="survey-answer"),
]
