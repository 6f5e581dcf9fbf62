"""身份鉴别: lockout after 5 failures for 30 minutes, session rotated on login, every login
attempt audited (who, when, from which IP)."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from core.models import AuditEntry
from liaison.roles import Role

pytestmark = pytest.mark.django_db


def test_five_failures_lock_the_account_for_30_minutes(make_user, login, client):
    user = make_user(Role.CADRE)
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False) as clock:
        for _ in range(4):
            assert login(user.username, "wrong-password").status_code == 200
        assert login(user.username, "wrong-password").status_code == 429  # the 5th locks

        # given the lock, even the right password is refused
        response = login(user.username)
        assert response.status_code == 429
        assert "账号已临时锁定" in response.content.decode()
        assert "_auth_user_id" not in client.session

        # an attempt during the lock restarts the 30 minutes (django-axes cool-off)
        clock.shift(timedelta(minutes=29))
        assert login(user.username).status_code == 429
        clock.shift(timedelta(minutes=29))
        assert login(user.username).status_code == 429

        clock.shift(timedelta(minutes=31))
        response = login(user.username)
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(user.pk)


def test_a_successful_login_before_the_limit_resets_the_count(make_user, login, client):
    user = make_user(Role.CADRE)
    for _ in range(4):
        login(user.username, "wrong-password")
    assert login(user.username).status_code == 302
    client.logout()
    for _ in range(4):
        assert login(user.username, "wrong-password").status_code == 200


def test_login_rotates_the_session_key(make_user, login, client):
    user = make_user(Role.CADRE)
    client.get(reverse("login"))
    client.session.save()
    before = client.session.session_key
    login(user.username)
    assert client.session.session_key != before


def test_login_success_failure_and_logout_are_audited_with_ip(make_user, login, client):
    user = make_user(Role.CADRE)
    login(user.username, "wrong-password")
    failed = AuditEntry.objects.get(action=AuditEntry.Action.LOGIN_FAILED)
    assert failed.actor is None
    assert failed.object_id == user.username
    assert failed.ip_address == "127.0.0.1"

    login(user.username)
    success = AuditEntry.objects.get(action=AuditEntry.Action.LOGIN)
    assert success.actor == user
    assert success.ip_address == "127.0.0.1"
    assert success.township_id == user.cadre.township_id

    client.post(reverse("logout"))
    assert AuditEntry.objects.filter(action=AuditEntry.Action.LOGOUT, actor=user).count() == 1
