"""The household list offers only the filters the role can use (issue 15, item 8).

A cadre sees only their own households: no village, work-group or cadre filter. Those who see
other cadres' households get the cadre filter as a search-as-you-type field backed by an endpoint
scoped by liaison.access, never an <option> per cadre; ?cadre=<id> still filters."""

import re

import pytest
from django.urls import reverse

from liaison.roles import Role
from tests.factories import CadreFactory, HouseholdFactory, PairingFactory

pytestmark = pytest.mark.django_db

LIST = "households:list"


@pytest.fixture
def world(township, make_user):
    east, west = township.villages.order_by("name")
    wg_east, wg_west = east.workgroups.get(), west.workgroups.get()
    cadre = make_user(Role.CADRE, township=township, workgroup=wg_east, name="王干部")
    mine = HouseholdFactory(township=township, village=east, code="E001", head_name="赵大")
    PairingFactory(cadre=cadre.cadre, household=mine)
    west_cadre = CadreFactory(township=township, workgroup=wg_west, name="李西村")
    theirs = HouseholdFactory(township=township, village=west, code="W001", head_name="钱二")
    PairingFactory(cadre=west_cadre, household=theirs)
    leader = make_user(Role.GROUP_LEADER, township=township, workgroup=wg_east, name="东组长")
    admin = make_user(Role.ADMIN, township=township, workgroup=None)
    return {
        "cadre": cadre,
        "west_cadre": west_cadre,
        "leader": leader,
        "admin": admin,
        "township": township,
        "wg_east": wg_east,
    }


def _codes(response):
    return [h.code for h in response.context["page"]]


def test_the_cadre_gets_no_village_workgroup_or_cadre_filter(client, world):
    client.force_login(world["cadre"])
    body = client.get(reverse(LIST)).content.decode()
    assert 'name="village"' not in body and 'name="workgroup"' not in body
    assert 'name="cadre"' not in body and 'data-testid="cadre-filter"' not in body
    assert 'name="q"' in body and 'name="tag"' in body  # what the cadre can use stays


def test_staff_get_a_search_field_not_an_option_per_cadre(client, world, make_user):
    staff = make_user(Role.LEADER, township=world["township"], workgroup=None)
    client.force_login(staff)
    before = client.get(reverse(LIST)).content.decode()
    for n in range(50):
        CadreFactory(township=world["township"], workgroup=world["wg_east"], name=f"新干部{n}")

    after = client.get(reverse(LIST)).content.decode()

    assert 'data-testid="cadre-search"' in after
    assert "新干部" not in after
    assert after.count("<option") == before.count("<option")
    assert len(after) == len(before)  # the page does not grow with the number of cadres
    assert 'name="village"' in after and 'name="workgroup"' in after  # two of each to choose


def test_the_cadre_filter_still_works_from_the_url(client, world):
    client.force_login(world["admin"])
    response = client.get(reverse(LIST), {"cadre": world["west_cadre"].pk, "q": "钱"})
    assert _codes(response) == ["W001"]
    body = response.content.decode()
    assert 'data-testid="cadre-selected"' in body and "李西村" in body
    assert f'<input type="hidden" name="cadre" value="{world["west_cadre"].pk}">' in body
    assert _codes(client.get(reverse(LIST), {"cadre": world["cadre"].cadre.pk})) == ["E001"]


def test_the_search_endpoint_is_scoped_by_liaison_access(client, world):
    url = reverse("households:cadre-options")
    client.force_login(world["admin"])
    body = client.get(url, {"cadre_q": "李西", "q": "钱", "page": "2"}).content.decode()
    assert "李西村" in body
    link = re.search(r'href="([^"]*cadre=\d+)"', body).group(1)
    assert "q=%E9%92%B1" in link and "page=" not in link and "cadre_q" not in link

    client.force_login(world["leader"])  # the east group's leader: the east group's cadres
    assert "李西村" not in client.get(url, {"cadre_q": "李西"}).content.decode()
    assert "王干部" in client.get(url, {"cadre_q": "王"}).content.decode()

    client.force_login(world["cadre"])
    assert "李西村" not in client.get(url, {"cadre_q": "李"}).content.decode()


def test_the_search_lists_at_most_20_and_says_so(client, world):
    for n in range(25):
        CadreFactory(township=world["township"], workgroup=world["wg_east"], name=f"张{n:02d}")
    client.force_login(world["admin"])
    body = client.get(reverse("households:cadre-options"), {"cadre_q": "张"}).content.decode()
    assert body.count('data-testid="cadre-option-') == 20
    assert 'data-testid="cadre-options-more"' in body


def test_the_group_leader_gets_the_cadre_search_but_no_village_or_group_choice(client, world):
    client.force_login(world["leader"])
    body = client.get(reverse(LIST)).content.decode()
    assert 'data-testid="cadre-search"' in body
    assert 'name="village"' not in body and 'name="workgroup"' not in body
