"""The printable report (issue 15 item 10): a rate with nothing to count (no survey answer, no
campaign, no rated issue) prints as "—" with no per-cent sign, never "—%"."""

import re

from django.urls import reverse


def _print(client, user, query):
    client.force_login(user)
    response = client.get(reverse("liaison:dashboard-print") + query)
    assert response.status_code == 200
    return response.content.decode()


def _cell(html: str, header: str) -> str:
    match = re.search(rf"<th scope=\"row\">{header}</th><td>(.*?)</td>", html, re.S)
    assert match, header
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def test_rates_without_a_denominator_print_a_dash_without_per_cent(town, client):
    # given March 2025 without any survey answer nor visit campaign
    html = _print(client, town.users["leader"], "?period=month&year=2025&month=3")
    # then those rates print "—" alone, and no cell says "—%"
    assert _cell(html, "问卷满意度") == "—"
    assert _cell(html, "集中走访覆盖率") == "—"
    assert "—%" not in re.sub(r"<[^>]+>", "", html)
    # while the rates that have figures keep theirs
    assert _cell(html, "满意率") == "75.0%"


def test_a_period_with_no_issue_prints_no_per_cent_sign_after_a_dash(town, survey, client):
    html = _print(client, town.users["leader"], "?period=month&year=2024&month=1")
    assert _cell(html, "响应率") == "—"
    assert "—%" not in re.sub(r"<[^>]+>", "", html)
