"""Sessions end after 30 minutes idle and 12 hours after login however active the user is."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from liaison.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel("2026-03-02 08:00 +0800", tick=False) as traveller:
        yield traveller


def test_a_session_idle_for_30_minutes_ends(make_user, login, client, clock):
    login(make_user(Role.CADRE).username)
    clock.shift(timedelta(minutes=29))
    assert client.get(reverse("home")).status_code == 200  # activity slides the window
    clock.shift(timedelta(minutes=29))
    assert client.get(reverse("home")).status_code == 200
    clock.shift(timedelta(minutes=31))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_an_active_session_ends_12_hours_after_login(make_user, login, client, clock):
    login(make_user(Role.CADRE).username)
    for _ in range(47):  # a request every 15 minutes for 11 h 45 min
        clock.shift(timedelta(minutes=15))
        assert client.get(reverse("home")).status_code == 200
    clock.shift(timedelta(minutes=16))  # 12 h 01 min after login
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
