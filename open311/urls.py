from django.urls import re_path

from . import api

app_name = "open311"

FORMAT = r"\.(?P<format>json|xml)$"

urlpatterns = [
    re_path(r"^discovery" + FORMAT, api.DiscoveryView.as_view(), name="discovery"),
    re_path(r"^services" + FORMAT, api.ServiceListView.as_view(), name="services"),
    re_path(r"^requests" + FORMAT, api.RequestListView.as_view(), name="requests"),
    re_path(r"^requests/(?P<pk>[0-9]+)" + FORMAT, api.RequestDetailView.as_view(), name="request"),
]
