"""The assessment table (issue 15 item 10): paged, sorted by any column (whitelisted keys) and
filtered (village, work group, name) in SQL, with a query count flat in the number of cadres."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboard import assessment_views
from dashboard.assessment import SORT_COLUMNS
from liaison.roles import Role
from tests.factories import PairingFactory, VillageFactory, WorkGroupFactory
from visits.models import Visit

from .conftest import PERIOD

MARCH = {"period": "month", "year": "2025", "month": "3"}


def _page(client, user, **params):
    client.force_login(user)
    return client.get(reverse("liaison:assessment"), {**MARCH, **params})


def _names(response) -> list[str]:
    return [r["name"] for r in response.context["cadres"]]


def _more_cadres(town, n: int) -> None:
    """n more cadres in a new village's group, each paired with one household visited in March."""
    village = VillageFactory(township=town.township, name="北村")
    group = WorkGroupFactory(village=village, township=town.township, name="北村工作组")
    for i in range(n):
        pairing = PairingFactory(
            cadre__workgroup=group,
            cadre__township=town.township,
            cadre__name=f"北{i:02d}",
            household__village=village,
            household__township=town.township,
        )
        Visit.objects.create(
            cadre=pairing.cadre, household=pairing.household, visited_on=dt.date(2025, 3, 2)
        )


def test_the_cadres_come_in_pages_whose_links_keep_the_filters(town, client, monkeypatch):
    # given 12 cadres of 北村 besides the three of the fixture, and pages of 5
    _more_cadres(town, 12)
    monkeypatch.setattr(assessment_views, "PAGE_SIZE", 5)
    # when the leader opens the table filtered to 北村 and sorted by name
    first = _page(client, town.users["leader"], village=str(_village(town, "北村")), sort="name")
    # then the first page shows five of the twelve, and the next page's link keeps it all
    assert first.context["page"].paginator.count == 12
    assert _names(first) == ["北00", "北01", "北02", "北03", "北04"]
    html = first.content.decode()
    assert "page=2" in html
    next_link = first.context["sorted_query"]
    assert "village=" in next_link and "sort=name" in next_link and "month=3" in next_link
    third = _page(
        client, town.users["leader"], village=str(_village(town, "北村")), sort="name", page="3"
    )
    assert _names(third) == ["北10", "北11"]
    # a page past the end or not a number shows a page, never a 500
    assert _page(client, town.users["leader"], page="999").status_code == 200
    assert _page(client, town.users["leader"], page="x'--").status_code == 200


def _village(town, name):
    from liaison.models import Village

    return Village.objects.get(township=town.township, name=name).pk


def test_every_column_sorts_both_ways(town, survey, client):
    leader = town.users["leader"]
    # visit rate: 李二 0% (1 household, no visit), 张一 50%; lead2 has no pairing: last both ways
    up = _names(_page(client, leader, sort="visit_rate"))
    down = _names(_page(client, leader, sort="-visit_rate"))
    assert up[:2] == ["李二", "张一"] and down[:2] == ["张一", "李二"]
    assert up[-1] == down[-1] != "张一"
    # survey index: 李二 100% (2/2), 张一 66.7% (2/3)
    assert _names(_page(client, leader, sort="-survey_index"))[:2] == ["李二", "张一"]
    assert _names(_page(client, leader, sort="survey_index"))[:2] == ["张一", "李二"]
    # issues raised: 张一 raised A and B
    assert _names(_page(client, leader, sort="-raised"))[0] == "张一"
    for key in SORT_COLUMNS:
        for sort in (key, f"-{key}"):
            response = _page(client, leader, sort=sort)
            assert response.status_code == 200, sort
            assert len(response.context["cadres"]) == 3, sort


def test_a_sort_key_outside_the_whitelist_is_ignored(town, client):
    leader = town.users["leader"]
    default = _names(_page(client, leader))
    for junk in ("id; DROP TABLE x", "user__password", "-user__password", "__str__", "-"):
        response = _page(client, leader, sort=junk)
        assert response.status_code == 200
        assert _names(response) == default
        assert response.context["sort"] is None
        assert "assessment-filter-errors" not in response.content.decode()


def test_the_header_links_sort_and_reverse(town, client):
    response = _page(client, town.users["leader"], sort="visit_rate")
    columns = {c["key"]: c for c in response.context["cadre_columns"]}
    assert columns["visit_rate"]["active"] and "sort=-visit_rate" in columns["visit_rate"]["query"]
    assert "sort=raised" in columns["raised"]["query"]
    assert 'aria-sort="ascending"' in response.content.decode()


def test_filters_by_village_work_group_and_name(town, survey, client):
    leader = town.users["leader"]
    assert set(_names(_page(client, leader, village=str(town.v1.pk)))) == {"张一"}
    west = _page(client, leader, workgroup=str(town.g2.pk))
    assert "张一" not in _names(west) and "李二" in _names(west)
    assert [g["name"] for g in west.context["groups"]] == ["西村工作组"]
    assert _names(_page(client, leader, q="李")) == ["李二"]
    # a bad id drops that filter only, and says so
    bad = _page(client, leader, village="999999", q="张")
    assert bad.status_code == 200 and _names(bad) == ["张一"]
    assert "assessment-filter-errors" in bad.content.decode()


def test_a_group_leader_filters_only_within_the_group(town, client):
    lead = town.users["lead2"]
    # the other group's id is not a choice: the filter is dropped, the scope stays
    response = _page(client, lead, workgroup=str(town.g1.pk))
    assert "张一" not in _names(response)
    choices = [
        str(label) for _v, label in response.context["filter_form"]["workgroup"].field.choices
    ]
    assert "东村工作组" not in choices


def test_the_export_follows_the_filters_and_order(town, survey, client):
    from io import BytesIO

    from openpyxl import load_workbook

    client.force_login(town.users["leader"])
    response = client.get(
        reverse("liaison:assessment-export"), {**MARCH, "workgroup": town.g2.pk, "sort": "name"}
    )
    rows = list(load_workbook(BytesIO(response.content))["干部考评"].iter_rows(values_only=True))
    assert "张一" not in [r[0] for r in rows[1:]] and "李二" in [r[0] for r in rows[1:]]


@pytest.mark.parametrize("sort", ["", "-visit_rate", "survey_index"])
def test_the_page_query_count_is_flat_in_the_number_of_cadres(town, survey, client, sort):
    leader = town.users["leader"]
    params = {"sort": sort, "village": str(town.v1.pk), "q": "张"} if sort else {}
    _page(client, leader, **params)  # the login's own queries out of the way
    with CaptureQueriesContext(connection) as small:
        assert _page(client, leader, **params).status_code == 200
    _more_cadres(town, 60)  # more than a page
    with CaptureQueriesContext(connection) as large:
        response = _page(client, leader, **params)
    assert response.status_code == 200
    assert len(large) == len(small), [q["sql"][:120] for q in large.captured_queries]
    # filtered: 张一 alone; unfiltered: the three of the fixture and the sixty
    assert response.context["page"].paginator.count == (1 if sort else 63)


def test_the_assessment_reads_the_figures_of_the_cadres(town, survey):
    from dashboard.access import dashboard_scope_of
    from dashboard.assessment import assessment_by_cadre

    rows = {
        r["name"]: r for r in assessment_by_cadre(dashboard_scope_of(town.users["leader"]), PERIOD)
    }
    one = rows["张一"]
    assert (one["raised"], one["closed"], one["satisfaction_rate"]) == (2, 2, 100.0)
    assert (one["survey_rated"], one["survey_index"]) == (3, 66.7)
    assert rows["李二"]["survey_index"] == 100.0


def test_only_dashboard_readers_open_it(town, client):
    from tests.conftest import create_user

    cadre = create_user(Role.CADRE, workgroup=town.g1, township=town.township)
    assert _page(client, cadre).status_code == 403
