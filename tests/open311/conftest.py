"""A township with two committees, a triager and two Open311 clients (the 12345 hotline and an
app), each with its key."""

from dataclasses import dataclass

import pytest
from django.core.cache import cache

from liaison.roles import Role
from open311.models import ApiClient
from open311.services import client_key_issue
from tests.factories import CommitteeFactory, CommitteeMembershipFactory, TownshipFactory

# GeoReport v2 (wiki.open311.org/GeoReport_v2): the fields of the spec's examples.
SERVICE_FIELDS = {
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
}
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


@dataclass
class O311:
    township: object
    roads: object
    livelihood: object
    hotline: ApiClient
    hotline_key: str
    app: ApiClient
    app_key: str
    staff: object


@pytest.fixture(autouse=True)
def _fresh_throttle(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def o311(db, make_user):
    township = TownshipFactory(code="qinghe", name="清河镇")
    roads = CommitteeFactory(
        township=township,
        code="urban_planning",
        name="城建规划",
        description="道路、路灯、积水",
        keywords="路灯、道路，积水",
    )
    livelihood = CommitteeFactory(township=township, code="livelihood_culture", name="民生文化")
    CommitteeFactory(township=township, code="party_masses", name="党群工作", is_active=False)
    staff = make_user(Role.COMMITTEE_STAFF, workgroup=None, township=township)
    CommitteeMembershipFactory(committee=roads, cadre=staff.cadre, is_head=True)
    hotline = ApiClient.objects.create(township=township, name="区12345热线")
    app = ApiClient.objects.create(township=township, name="随手拍", channel=ApiClient.Channel.API)
    return O311(
        township,
        roads,
        livelihood,
        hotline,
        client_key_issue(client=hotline, actor=None),
        app,
        client_key_issue(client=app, actor=None),
        staff,
    )
