"""The overdue count now ("当前超期") comes from the clock-bound read when a roll-up serves the
period (dashboard/clock.py), from a query of its own otherwise: every door shows the same number,
the issues overdue now whenever reported, as the overdue issue list counts them."""

import datetime as dt
import re
from io import BytesIO

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from dashboard.models import IssueMonthChoiceStat, IssueMonthStat
from issues.models import Issue
from issues.readtime import overdue_q

from .test_cube import NOW, spread  # noqa: F401 - the fixture

MAY = "?period=month&year=2025&month=5"


def _doors(client, user) -> dict:
    page = client.get(reverse("liaison:dashboard") + MAY).content.decode()
    printed = client.get(reverse("liaison:dashboard-print") + MAY).content.decode()
    sheet = load_workbook(BytesIO(client.get(reverse("liaison:dashboard-export") + MAY).content))
    exported = next(
        row[1]
        for ws in sheet
        for row in ws.iter_rows(values_only=True)
        if row[0] == "当前超期（全部）"
    )
    api = APIClient()
    api.force_authenticate(user)
    return {
        "page": int(re.search(r'data-stat="overdue_now">(?:<a[^>]*>)?(\d+)', page)[1]),
        "print": int(re.search(r"当前超期</th><td>(\d+)</td>", printed)[1]),
        "export": exported,
        "api": api.get("/api/v1/dashboard/summary/" + MAY).json()["overdue_now"],
    }


@pytest.mark.parametrize("rolled_up", [True, False])
def test_every_door_shows_the_overdue_issues_now_whenever_reported(town, spread, client, rolled_up):  # noqa: F811
    if not rolled_up:
        IssueMonthStat.objects.all().delete()
        IssueMonthChoiceStat.objects.all().delete()
    leader = town.users["leader"]
    client.force_login(leader)
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        overdue = Issue.objects.filter(overdue_q(), township=town.township)
        # some were reported before the twelve months the page's trend reads
        assert overdue.filter(reported_at__lt=dt.datetime(2024, 6, 1, tzinfo=NOW.tzinfo)).exists()
        shown = _doors(client, leader)
    assert shown == dict.fromkeys(shown, overdue.count()), shown
