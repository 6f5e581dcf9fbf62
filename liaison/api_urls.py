"""REST API under /api/v1/. Each app registers its viewsets on the one router."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()

from issues.api import CommitteeViewSet, IssueViewSet  # noqa: E402

router.register("issues", IssueViewSet, basename="issue")
router.register("committees", CommitteeViewSet, basename="committee")

from households.api import HouseholdViewSet, ResidentViewSet  # noqa: E402

router.register("households", HouseholdViewSet, basename="household")
router.register("residents", ResidentViewSet, basename="resident")

from liaison.api_visits import (  # noqa: E402
    CadreViewSet,
    PairingViewSet,
    VisitViewSet,
    WorkGroupViewSet,
)

router.register("workgroups", WorkGroupViewSet, basename="workgroup")
router.register("cadres", CadreViewSet, basename="cadre")
router.register("pairings", PairingViewSet, basename="pairing")
router.register("visits", VisitViewSet, basename="visit")

from django.urls import path, re_path  # noqa: E402

from liaison.api.auth import logout, obtain_token  # noqa: E402
from liaison.api.dashboard import DashboardSummaryView  # noqa: E402
from liaison.api.docs import document_api  # noqa: E402
from liaison.api.views import api_not_found  # noqa: E402

document_api()  # summaries and examples of the viewsets above (liaison/api/docs.py)

urlpatterns = [
    path("auth/token/", obtain_token, name="api-token"),
    path("auth/logout/", logout, name="api-logout"),
    path("dashboard/summary/", DashboardSummaryView.as_view(), name="dashboard-summary"),
    *router.urls,
    re_path(r"^.*$", api_not_found),  # last: a JSON 404, not the HTML page, for API clients
]
