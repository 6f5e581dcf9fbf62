"""Pages of the liaison app (visits, pairings, contact day, campaigns, notifications) under /liaison/."""

from django.urls import include, path

from liaison import views as organisation_views
from visits import ledger_views as visit_ledger_views
from visits import pairing_views, schedule_views
from visits import views as visits_views

app_name = "liaison"
urlpatterns: list = [
    path("visits/", visits_views.visit_list, name="visit-list"),
    path("visits/new/", visits_views.visit_new, name="visit-new"),
    path("visits/ledger/", visit_ledger_views.visit_ledger, name="visit-ledger"),
    path(
        "visits/ledger/progress/",
        visit_ledger_views.visit_ledger_progress,
        name="visit-ledger-progress",
    ),
    path("visits/households/", visits_views.household_search, name="visit-household-search"),
    path("visits/<int:pk>/", visits_views.visit_detail, name="visit-detail"),
    path("visits/<int:pk>/edit/", visits_views.visit_edit, name="visit-edit"),
    path("visits/<int:pk>/correct/", visits_views.visit_correct, name="visit-correct"),
    path("visits/<int:pk>/photos/<int:photo_pk>/", visits_views.visit_photo, name="visit-photo"),
    path("pairings/", pairing_views.pairing_manage, name="pairings"),
    path(
        "pairings/households/<int:household_pk>/",
        pairing_views.pairing_history,
        name="pairing-history",
    ),
    path("organisation/", organisation_views.organisation, name="organisation"),
    path(
        "organisation/cadres/<int:pk>/deactivate/",
        organisation_views.cadre_deactivate,
        name="cadre-deactivate",
    ),
    path("contact-days/", schedule_views.contact_days, name="contact-days"),
    path("campaigns/", schedule_views.campaigns, name="campaigns"),
    path("notifications/", schedule_views.notifications, name="notifications"),
    path("notifications/bell/", schedule_views.bell, name="bell"),
    path("notifications/read/", schedule_views.notifications_read, name="notifications-read"),
    path("dashboard/", include("dashboard.urls")),
]
