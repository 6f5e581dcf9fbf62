"""Dashboard pages per role, drill-down links, exports, the printable report."""

from io import BytesIO
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.models import AuditEntry
from liaison.roles import Role

MARCH = "?period=month&year=2025&month=3"


def _get(client, user, name="liaison:dashboard", query=MARCH):
    client.force_login(user)
    return client.get(reverse(name) + query)


def test_leader_sees_the_whole_township(town, client):
    response = _get(client, town.users["leader"])
    assert response.status_code == 200
    s = response.context["s"]
    assert s["scope"].kind == "township"
    assert s["headline"]["total"] == 7
    assert {r["label"] for r in s["by_workgroup"]} == {"东村工作组", "西村工作组"}
    html = response.content.decode()
    assert 'data-stat="resolution_rate"' in html
    assert 'id="dashboard-charts" type="application/json"' in html
    assert "<script>" not in html  # no inline script (CSP): chart code is static


def test_committee_staff_see_their_committee_only(town, client):
    s = _get(client, town.users["staff"]).context["s"]
    assert s["scope"].kind == "committee"
    assert s["headline"]["total"] == 4  # A B E I of committee C1
    assert [r["label"] for r in s["by_committee"]] == ["社会治理"]
    assert s["coverage_month"] is None and s["by_workgroup"] == []


def test_group_leader_sees_their_group_only(town, client):
    s = _get(client, town.users["lead2"]).context["s"]
    assert s["scope"].kind == "workgroup"
    assert s["headline"]["total"] == 3  # D E F in 西村
    assert [r["label"] for r in s["by_workgroup"]] == ["西村工作组"]
    assert {r["label"] for r in s["by_village"]} == {"西村"}
    # overdue at read time: E past its result limit, F never contacted past its contact limit
    assert [o.description for o in s["overdue_list"]] == ["诉求E", "诉求F"]


@pytest.mark.parametrize("role", [Role.CADRE, Role.VILLAGE_HANDLER, Role.DEPARTMENT_LIAISON])
def test_other_roles_have_no_dashboard(town, client, make_user, role):
    user = make_user(role, workgroup=town.g1, township=town.township)
    assert _get(client, user).status_code == 403
    assert _get(client, user, "liaison:assessment-export").status_code == 403


def test_every_breakdown_row_links_to_the_list_behind_it(town, client):
    response = _get(client, town.users["leader"])
    s = response.context["s"]
    rated = next(r for r in s["by_status"] if r["key"] == "rated")
    params = parse_qs(urlparse(rated["url"]).query)
    assert params == {"status": ["rated"], "date_from": ["2025-03-01"], "date_to": ["2025-03-31"]}
    listed = client.get(rated["url"])
    assert listed.status_code == 200
    assert listed.context["page"].paginator.count == rated["total"] == 3
    # the list also shows merged duplicates (G), which count nowhere in the figures
    for key in ("by_committee", "by_village", "by_level", "by_source", "by_workgroup"):
        for row in s[key]:
            if row["url"]:
                listed = client.get(row["url"]).context["page"].paginator.object_list
                assert listed.exclude(status="merged").count() == row["total"], (key, row["label"])
    assert rated["url"] in response.content.decode().replace("&amp;", "&")
    # a work group's figure opens the list of that work group
    group = next(r for r in s["by_workgroup"] if r["label"] == "东村工作组")
    assert parse_qs(urlparse(group["url"]).query)["workgroup"] == [str(town.g1.pk)]


def test_period_filter_quarter_year_custom_and_bad_input(town, client):
    leader = town.users["leader"]
    q = _get(client, leader, query="?period=quarter&year=2025&quarter=2").context["s"]
    assert q["headline"]["total"] == 1  # H in April
    y = _get(client, leader, query="?period=year&year=2025").context["s"]
    assert y["headline"]["total"] == 8
    c = _get(client, leader, query="?period=custom&start=2025-03-10&end=2025-04-30")
    assert c.context["s"]["headline"]["total"] == 8
    bad = _get(client, leader, query="?period=custom&start=2025-05-01&end=2025-04-01")
    assert bad.status_code == 200
    assert "结束日期不能早于开始日期" in bad.content.decode()
    junk = _get(client, leader, query="?period=month&year=abc&month=13")
    assert junk.status_code == 200 and junk.context["period"].kind == "month"


def test_dashboard_export_xlsx(town, campaign, survey, client):
    response = _get(client, town.users["leader"], "liaison:dashboard-export")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames[:3] == ["概况", "月度趋势", "按状态"]
    overview = {row[0]: row[1] for row in book["概况"].iter_rows(min_row=2, values_only=True)}
    assert overview["诉求总数"] == 7
    assert overview["解决率%"] == 50.0  # as tests/dashboard/test_rates.py: E and F overdue
    assert overview["问卷满意度%"] == 80.0
    assert overview["本次集中走访覆盖率%"] == 33.3
    assert AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT, actor=town.users["leader"])


def test_assessment_page_and_export(town, survey, client):
    page = _get(client, town.users["leader"], "liaison:assessment")
    assert page.status_code == 200
    assert "张一" in page.content.decode()
    response = _get(client, town.users["leader"], "liaison:assessment-export")
    book = load_workbook(BytesIO(response.content))
    rows = list(book["干部考评"].iter_rows(values_only=True))
    header, by_name = rows[0], {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert "走访完成率%" in header
    assert by_name["张一"]["应走访次数"] == 2
    assert by_name["张一"]["走访完成率%"] == 50.0
    assert by_name["张一"]["问卷满意度%"] == 66.7
    groups = {r[0]: r for r in book["工作组考评"].iter_rows(min_row=2, values_only=True)}
    assert set(groups) == {"东村工作组", "西村工作组"}


def test_group_leader_assessment_is_scoped(town, client):
    page = _get(client, town.users["lead2"], "liaison:assessment")
    names = {r["name"] for r in page.context["cadres"]}
    assert "张一" not in names and "李二" in names


def test_printable_report(town, client):
    response = _get(client, town.users["leader"], "liaison:dashboard-print")
    html = response.content.decode()
    assert response.status_code == 200
    assert "联系服务群众工作统计报表" in html and "2025年3月" in html
    css = (Path(__file__).parents[2] / "static/dashboard/dashboard.css").read_text("utf-8")
    assert "@media print" in css
