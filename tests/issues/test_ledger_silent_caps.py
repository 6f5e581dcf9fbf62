"""No silent caps (issue 15, item 9): where a page shows the first N of a list it says so
("只显示前 N 条，共 M 条") and links the rest: the triage queue, the group leader's own
households on the home page, the notifications (paged)."""

import pytest
from django.urls import reverse

from core.models import Notification
from dashboard import home
from issues import views
from tests.factories import PairingFactory

pytestmark = pytest.mark.django_db


def test_the_triage_queue_says_how_many_it_leaves_out(client, world, new_issue, monkeypatch):
    monkeypatch.setattr(views, "QUEUE_PAGE", 3)
    for n in range(5):
        new_issue(f"路灯坏了 {n}")
    client.force_login(world.users["staff"])

    page = client.get(reverse("issues:triage")).content.decode()

    assert page.count("data-issue=") == 3
    assert "5 件待分派" in page
    assert "只显示前 3 条，共 5 条" in page
    assert f'href="{reverse("issues:list")}?status=reported"' in page


def test_the_group_leader_home_says_how_many_households_it_leaves_out(client, world, monkeypatch):
    monkeypatch.setattr(home, "HOME_HOUSEHOLDS", 2)
    leader = world.users["grouplead"]
    for _ in range(3):
        PairingFactory(cadre=leader.cadre)
    client.force_login(leader)

    page = client.get(reverse("home")).content.decode()

    assert "只显示前 2 条，共 3 条" in page
    assert f'href="{reverse("households:list")}?cadre={leader.cadre.pk}"' in page


def test_every_notification_is_reachable_page_by_page(client, world):
    user = world.users["staff"]
    Notification.objects.bulk_create(
        Notification(recipient=user, title=f"通知{n}") for n in range(101)
    )
    client.force_login(user)

    first = client.get(reverse("liaison:notifications")).content.decode()
    second = client.get(reverse("liaison:notifications"), {"page": 2}).content.decode()

    assert first.count("list-group-item") == 100 and "第 1/2 页，共 101 条" in first
    assert second.count("list-group-item") == 1 and "通知0" in second
