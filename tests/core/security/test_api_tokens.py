"""API tokens obey the controls of a browser login (issue #12, finding 3): refused until the
initial password is changed and 2FA is enrolled where required, the TOTP code is asked on the
token request, tokens expire like sessions (30 min idle, 12 h absolute), are revoked on password
change, deactivation and logout, and issuing one is audited like a web login."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.models import AuditEntry, SecurityPolicy
from core.security import services
from liaison.roles import Role
from tests.core.security.conftest import PASSWORD
from tests.core.security.test_totp import code_for, reset_throttle

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
NEW_PASSWORD = "Lianxin#2026new"


@pytest.fixture(autouse=True)
def _private_cache(settings):
    """Throttle counters of their own (never a clear() of a cache that might be shared)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"token-tests-{uuid.uuid4()}",
        }
    }


@pytest.fixture
def clock():
    with time_machine.travel("2026-03-02 08:00 +0800", tick=False) as traveller:
        yield traveller


def obtain(user, password: str = PASSWORD, **extra):
    return APIClient().post(
        TOKEN_URL, {"username": user.username, "password": password, **extra}, format="json"
    )


def api(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def token_for(user) -> str:
    answer = obtain(user)
    assert answer.status_code == 200, answer.content
    return answer.json()["token"]


# --- Refused until the account is in order ------------------------------------------------------
def test_an_initial_password_must_be_changed_before_a_token_is_issued(make_user):
    # given a cadre whose password an administrator set
    user = make_user(Role.CADRE)
    services.account_require_password_change(user=user, actor=None)
    # when the cadre asks for a token with that password
    answer = obtain(user)
    # then it is refused with a code saying what to do, and nothing is issued
    assert answer.status_code == 403
    assert answer.json()["code"] == "change_password_required"
    assert "修改初始密码" in answer.json()["detail"]
    assert not Token.objects.filter(user=user).exists()
    refused = AuditEntry.objects.get(action=AuditEntry.Action.LOGIN_FAILED, actor=user)
    assert "change_password_required" in refused.summary


def test_a_role_that_must_use_2fa_enrols_before_a_token_is_issued(make_user):
    # given leaders must use a second factor and this leader has no device
    policy = SecurityPolicy.load()
    policy.require_2fa_for_leaders = True
    policy.save()
    leader = make_user(Role.LEADER)
    # when the leader asks for a token
    answer = obtain(leader)
    # then it is refused until the web enrolment is done
    assert answer.status_code == 403
    assert answer.json()["code"] == "two_factor_enrollment_required"
    assert not Token.objects.filter(user=leader).exists()


def test_a_user_with_a_device_sends_the_code_with_the_token_request(make_user):
    # given a cadre with a confirmed TOTP device
    user = make_user(Role.CADRE)
    device = TOTPDevice.objects.create(user=user, name="手机", confirmed=True)

    # when no code is sent, then the answer asks for one
    missing = obtain(user)
    assert missing.status_code == 403
    assert missing.json()["code"] == "otp_required"

    # when a wrong code is sent, then it is refused, audited as a failed login, counted by axes
    wrong = obtain(user, otp_token="000000")
    assert wrong.status_code == 403
    assert wrong.json()["code"] == "otp_invalid"
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.LOGIN_FAILED, object_id=user.username
    ).exists()
    from axes.models import AccessAttempt

    assert AccessAttempt.objects.get(username=user.username).failures_since_start == 1
    assert not Token.objects.filter(user=user).exists()

    # when the right code is sent, then the token is issued
    reset_throttle(device)
    right = obtain(user, otp_token=code_for(device))
    assert right.status_code == 200
    assert right.json()["token"] == Token.objects.get(user=user).key


# --- Lifetime: the limits of a session ----------------------------------------------------------
def test_a_token_unused_for_30_minutes_expires(make_user, clock):
    user = make_user(Role.CADRE)
    token = token_for(user)
    clock.shift(timedelta(minutes=29))
    assert api(token).get("/api/v1/households/").status_code == 200  # use slides the window
    clock.shift(timedelta(minutes=29))
    assert api(token).get("/api/v1/households/").status_code == 200
    clock.shift(timedelta(minutes=31))
    answer = api(token).get("/api/v1/households/")
    assert answer.status_code == 401
    assert answer.json()["code"] == "token_idle_expired"
    assert not Token.objects.filter(key=token).exists()


def test_an_active_token_expires_12_hours_after_it_was_issued(make_user, clock):
    user = make_user(Role.CADRE)
    answer = obtain(user)
    token = answer.json()["token"]
    assert answer.json()["idle_timeout"] == 30 * 60
    assert answer.json()["expires_at"].startswith("2026-03-02T20:00:00")
    for _ in range(47):  # a request every 15 minutes for 11 h 45 min
        clock.shift(timedelta(minutes=15))
        assert api(token).get("/api/v1/households/").status_code == 200
    clock.shift(timedelta(minutes=16))  # 12 h 01 min after it was issued
    expired = api(token).get("/api/v1/households/")
    assert expired.status_code == 401
    assert expired.json()["code"] == "token_expired"
    # and a new login gets a new token
    assert token_for(user) != token


def test_asking_again_returns_the_live_token_and_an_expired_token_does_not_block_a_login(
    make_user, clock
):
    user = make_user(Role.CADRE)
    token = token_for(user)
    assert token_for(user) == token
    clock.shift(timedelta(hours=13))
    client = api(token)  # an old token still in the client's headers
    answer = client.post(
        TOKEN_URL, {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert answer.status_code == 200
    assert answer.json()["token"] != token


# --- Revocation -----------------------------------------------------------------------------
def _change_with_set_password(client, user):
    user.set_password(NEW_PASSWORD)
    user.save()


def _change_on_the_password_page(client, user):
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302


def _change_in_the_admin_form(client, user):
    form = AdminPasswordChangeForm(
        user, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}
    )
    assert form.is_valid(), form.errors
    form.save()


@pytest.mark.parametrize(
    "change",
    [_change_with_set_password, _change_on_the_password_page, _change_in_the_admin_form],
    ids=["set_password", "page", "admin_form"],
)
def test_a_password_change_revokes_the_token(make_user, client, change):
    user = make_user(Role.CADRE)
    token = token_for(user)
    change(client, user)
    assert not Token.objects.filter(key=token).exists()
    assert api(token).get("/api/v1/households/").status_code == 401
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.SECURITY, actor=user, summary__contains="撤销 API 令牌"
    ).exists()


def test_deactivating_the_account_revokes_the_token(make_user):
    user = make_user(Role.CADRE)
    token = token_for(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert not Token.objects.filter(key=token).exists()
    assert api(token).get("/api/v1/households/").status_code == 401


def test_api_logout_deletes_the_token_and_is_audited(make_user):
    user = make_user(Role.CADRE)
    token = token_for(user)
    client = api(token)
    answer = client.post("/api/v1/auth/logout/")
    assert answer.status_code == 200
    assert not Token.objects.filter(user=user).exists()
    assert client.get("/api/v1/households/").status_code == 401
    assert AuditEntry.objects.filter(action=AuditEntry.Action.LOGOUT, actor=user).count() == 1


def test_web_logout_revokes_the_token(make_user, login, client):
    user = make_user(Role.CADRE)
    token = token_for(user)
    login(user.username)
    client.post(reverse("logout"))
    assert not Token.objects.filter(key=token).exists()
    assert api(token).get("/api/v1/households/").status_code == 401


# --- Audit and lockout ------------------------------------------------------------------------
def test_issuing_a_token_is_audited_like_a_web_login(make_user):
    user = make_user(Role.CADRE)
    APIClient().post(
        TOKEN_URL,
        {"username": user.username, "password": "wrong-password"},
        format="json",
        REMOTE_ADDR="10.9.8.7",
    )
    failed = AuditEntry.objects.get(action=AuditEntry.Action.LOGIN_FAILED)
    assert (failed.object_id, failed.ip_address) == (user.username, "10.9.8.7")

    answer = APIClient().post(
        TOKEN_URL,
        {"username": user.username, "password": PASSWORD},
        format="json",
        REMOTE_ADDR="10.9.8.7",
    )
    assert answer.status_code == 200
    success = AuditEntry.objects.get(action=AuditEntry.Action.LOGIN, actor=user)
    assert success.ip_address == "10.9.8.7"
    assert "API 令牌" in success.summary
    assert success.township_id == user.cadre.township_id
    # no browser session is signed in by the token request (django-axes may start an empty one)
    if "sessionid" in answer.cookies:
        session = SessionStore(answer.cookies["sessionid"].value).load()
        assert "_auth_user_id" not in session and "lianxin_session_started" not in session


def test_token_guesses_count_towards_the_account_lockout(make_user):
    user = make_user(Role.CADRE)
    for _ in range(4):
        assert obtain(user, "wrong-password").status_code == 400
    assert obtain(user, "wrong-password").status_code == 429  # the 5th locks, as on the page
    locked = obtain(user)  # then even the right password is refused
    assert locked.status_code == 429
    assert locked.json()["code"] == "account_locked"
    assert not Token.objects.filter(user=user).exists()


def test_a_browser_session_with_a_pending_step_gets_the_same_code_from_the_api(
    make_user, login, client
):
    # given a cadre signed in on the web who must still change the initial password
    user = make_user(Role.CADRE)
    services.account_require_password_change(user=user, actor=None)
    login(user.username)
    # when the session calls the API, then it is told what to do in the token request's words
    answer = client.get("/api/v1/households/")
    assert answer.status_code == 403
    assert answer.json()["code"] == "change_password_required"
