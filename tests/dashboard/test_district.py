"""A district-level reader (an admin or leader with no township) compares townships: one row per
township instead of every village, committee and work group of the district, and a drill-down
into one township's dashboard. The drill-down parameter widens nobody's scope, through any door."""

import datetime as dt
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from dashboard import selectors
from dashboard.access import dashboard_scope_of, narrowed
from dashboard.rollup import issue_month_stats_refresh
from issues.models import Status
from liaison.roles import Role
from tests.conftest import create_user
from tests.factories import UserFactory

from .conftest import PERIOD, _issue, build_town

MARCH = "?period=month&year=2025&month=3"
TODAY = dt.date(2025, 3, 20)


@pytest.fixture
def district(town):
    """The dashboard's model township, a second one like it, and a district leader."""
    other = build_town(create_user)
    other.township.name = "第二镇"
    other.township.save()
    return town, other, UserFactory(roles=[Role.LEADER])


def _figures(scope) -> dict:
    return selectors.dashboard_summary(scope, PERIOD, today=TODAY)


@pytest.mark.parametrize("rolled_up", [False, True])
def test_district_dashboard_is_one_row_per_township(district, campaign, rolled_up):
    town, other, chief = district
    if rolled_up:
        issue_month_stats_refresh()
    scope = dashboard_scope_of(chief)
    assert scope.kind == "district" and scope.is_district
    data = _figures(scope)
    assert data["by_village"] == data["by_committee"] == data["by_workgroup"] == []
    rows = {r["key"]: r for r in data["by_township"]}
    for one in (town, other):
        alone = _figures(dashboard_scope_of(one.users["leader"]))
        row = rows[one.township.pk]
        assert row["label"] == one.township.name
        for key in ("total", "open", "overdue", "resolved", "explained", "rated", "satisfied"):
            assert row[key] == alone["headline"][key], key
        assert row["resolution_rate"] == alone["headline"]["resolution_rate"]
        assert (row["households"], row["visited"]) == (3, 1)  # paired h1-h3, h1 visited
    assert data["headline"]["total"] == 14
    assert data["coverage_month"]["households"] == 6
    assert set(data["rankings"]) == {"township", "department"}
    # each township runs its own mass visit: the district shows none of them as its own
    assert data["campaign"] is None and data["coverage_campaign"] is None
    assert _figures(dashboard_scope_of(town.users["leader"]))["campaign"] == campaign
    assert {r["key"] for r in data["rankings"]["township"]["withheld"]} == {
        town.township.pk,
        other.township.pk,
    }  # (4 closed issues each: under the minimum sample of 10)


def test_district_query_count_does_not_grow_with_townships(district, django_assert_max_num_queries):
    _town, _other, chief = district
    scope = dashboard_scope_of(chief)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as two:
        _figures(scope)
    build_town(create_user)
    build_town(create_user)
    with django_assert_max_num_queries(len(two)):
        data = _figures(scope)
    assert data["headline"]["total"] == 28


def test_district_page_links_each_township_to_its_own_dashboard(district, client):
    town, other, chief = district
    client.force_login(chief)
    response = client.get(reverse("liaison:dashboard") + MARCH)
    assert response.status_code == 200
    html = response.content.decode()
    assert "全区统计分析" in html and 'data-testid="townships"' in html
    assert 'id="chart-village"' not in html and 'id="chart-township"' in html
    # no campaign of the district's own: a dash, not a lone "%"
    assert 'data-stat="coverage_campaign">—</div>' in html
    drill = [r["url"] for r in response.context["s"]["by_township"]]
    assert f"township={other.township.pk}" in " ".join(drill)
    url = next(u for u in drill if f"township={other.township.pk}" in u)
    page = client.get(url)
    assert page.status_code == 200
    s = page.context["s"]
    assert s["scope"].township_id == other.township.pk and s["scope"].kind == "township"
    assert {r["label"] for r in s["by_village"]} == {"东村", "西村"}
    assert s["headline"]["total"] == 7
    text = page.content.decode()
    assert "第二镇统计分析" in text and 'data-testid="to-district"' in text
    # the period form, the export and the print links keep the township
    assert f'name="township" value="{other.township.pk}"' in text
    assert (
        f"export/?period=month&amp;year=2025&amp;month=3&amp;township={other.township.pk}" in text
    )


def _headline_total(door: str, user, township_id: int) -> tuple[int, str]:
    """The issues total a door shows `user` when asked for `township_id`'s dashboard."""
    query = f"{MARCH}&township={township_id}"
    if door == "api":
        api = APIClient()
        api.force_authenticate(user)
        body = api.get("/api/v1/dashboard/summary/" + query).json()
        return body["headline"]["total"], body["scope"]
    from django.test import Client

    client = Client()
    client.force_login(user)
    if door == "export":
        response = client.get(reverse("liaison:dashboard-export") + query)
        sheet = load_workbook(BytesIO(response.content))["概况"]
        values = {row[0]: row[1] for row in sheet.iter_rows(values_only=True)}
        return values["诉求总数"], ""
    name = {"page": "liaison:dashboard", "print": "liaison:dashboard-print"}[door]
    s = client.get(reverse(name) + query).context["s"]
    return s["headline"]["total"], s["scope"].kind


def _assessed(door: str, user, township_id: int) -> int:
    """How many cadres the assessment page or its export shows `user` asked for a township."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    query = f"{MARCH}&township={township_id}"
    if door == "assessment":
        return client.get(reverse("liaison:assessment") + query).context["page"].paginator.count
    response = client.get(reverse("liaison:assessment-export") + query)
    return load_workbook(BytesIO(response.content))["干部考评"].max_row - 1


@pytest.mark.parametrize("door", ["assessment", "assessment-export"])
def test_the_township_parameter_narrows_the_assessment_too(district, door):
    town, other, chief = district
    create_user(Role.CADRE, workgroup=other.g1, township=other.township, name="王四")
    assert _assessed(door, chief, other.township.pk) == 4  # the other's three and 王四
    assert _assessed(door, town.users["leader"], other.township.pk) == 3  # still their own
    if door == "assessment":  # the period and filter forms keep the township
        from django.test import Client

        client = Client()
        client.force_login(chief)
        page = client.get(reverse("liaison:assessment") + f"{MARCH}&township={other.township.pk}")
        assert f'name="township" value="{other.township.pk}"' in page.content.decode()


@pytest.mark.parametrize("door", ["page", "print", "export", "api"])
def test_the_township_parameter_narrows_a_district_reader_only(district, door):
    town, other, chief = district
    _issue("X", village=other.v1, committee=other.c1, status=Status.TRIAGED)  # the other: 8
    # a district reader sees the township asked for: 8 of the district's 15 issues
    total, kind = _headline_total(door, chief, other.township.pk)
    assert total == 8 and kind in ("township", "")
    # a township's leader asking for another township still sees their own (7, not the other's)
    total, kind = _headline_total(door, town.users["leader"], other.township.pk)
    assert total == 7 and kind in ("township", "")
    # committee staff keep their committee's 4
    total, kind = _headline_total(door, town.users["staff"], other.township.pk)
    assert total == 4 and kind in ("committee", "")


def test_the_district_chart_shows_the_busiest_townships_the_table_all(district):
    from dashboard.charts import CHART_TOWNSHIPS, chart_specs, decorate

    _town, _other, chief = district
    data = _figures(dashboard_scope_of(chief))
    rows = [{**data["by_township"][0], "key": k, "label": f"镇{k}", "total": k} for k in range(30)]
    specs = chart_specs(decorate({**data, "by_township": rows}))
    (chart,) = [c for c in specs if c["id"] == "chart-township"]
    assert len(chart["labels"]) == CHART_TOWNSHIPS == 20
    assert chart["labels"][:2] == ["镇29", "镇28"] and chart["series"][0]["data"][-1] == 10


@pytest.mark.parametrize("value", ["", "x", "999999", "-1", "9" * 30, "1\x00", None])
def test_a_bad_township_parameter_leaves_the_district_scope(district, value):
    _town, _other, chief = district
    scope = dashboard_scope_of(chief)
    assert narrowed(scope, value) == scope


@pytest.mark.parametrize(
    ("value", "shown"),
    [(None, '<span title="无数据">—</span>'), ("", '<span title="无数据">—</span>'),
     (0, "0%"), (0.0, "0.0%"), (75.5, "75.5%")],
)  # fmt: skip
def test_a_rate_in_per_cent_or_a_dash_never_a_dash_with_a_percent_sign(value, shown):
    from django.template import Context, Template

    template = Template("{% load dashboard_tags %}{{ value|pct }}")
    assert template.render(Context({"value": value})) == shown
