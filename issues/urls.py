from django.urls import path

from issues import workload_views as committee_views

from . import household_search, ledger_views, tracking_views, views

app_name = "issues"
urlpatterns = [
    path("", views.issue_list, name="list"),
    path("new/", views.issue_intake, name="intake"),
    path("new/households/", household_search.household_search, name="household-search"),
    path("triage/", views.triage_queue, name="triage"),
    path("committees/", committee_views.workload, name="committees"),
    path("ledger/", ledger_views.issue_ledger, name="ledger"),
    path("ledger/progress/", ledger_views.issue_ledger_progress, name="ledger-progress"),
    path("<int:pk>/", views.issue_detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", views.issue_act, name="act"),
    path("<int:pk>/contact/", views.issue_reveal_contact, name="reveal-contact"),
    path("<int:pk>/attach/", views.issue_attach, name="attach"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("report/done/", tracking_views.self_report_done, name="self-report-done"),
    path("report/<str:token>/", tracking_views.self_report_view, name="self-report"),
    path("track/", tracking_views.track, name="track"),
    path("track/rate/", tracking_views.track_rate, name="track-rate"),
]
