"""REST API under /api/v1/. Each app registers its viewsets on the one router."""

from django.urls import path, re_path
from rest_framework.routers import DefaultRouter

from config.api_docs import document_api
from core.api.auth import logout, obtain_token
from core.api.views import api_not_found
from dashboard.api import DashboardSummaryView
from households.api import HouseholdViewSet, ResidentViewSet
from issues.api import CommitteeViewSet, IssueViewSet
from liaison.api import CadreViewSet, WorkGroupViewSet
from visits.api import VisitViewSet
from visits.pairing_api import PairingViewSet

router = DefaultRouter()


router.register("issues", IssueViewSet, basename="issue")
router.register("committees", CommitteeViewSet, basename="committee")


router.register("households", HouseholdViewSet, basename="household")
router.register("residents", ResidentViewSet, basename="resident")


router.register("workgroups", WorkGroupViewSet, basename="workgroup")
router.register("cadres", CadreViewSet, basename="cadre")
router.register("pairings", PairingViewSet, basename="pairing")
router.register("visits", VisitViewSet, basename="visit")


document_api()  # summaries and examples of the viewsets above (config/api_docs.py)

urlpatterns = [
    path("auth/token/", obtain_token, name="api-token"),
    path("auth/logout/", logout, name="api-logout"),
    path("dashboard/summary/", DashboardSummaryView.as_view(), name="dashboard-summary"),
    *router.urls,
    re_path(r"^.*$", api_not_found),  # last: a JSON 404, not the HTML page, for API clients
]
