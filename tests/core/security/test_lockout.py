"""Brute force (issue #12, finding 14): django-axes locks the account by username whatever address
the guesses come from (the address is recorded); the anonymous API throttle fires before the 401;
`check --deploy` warns when the rate limits live in a per-process cache."""

from __future__ import annotations

import uuid

import pytest
from axes.models import AccessAttempt
from django.core import checks
from django.test import override_settings
from rest_framework.test import APIClient

from core.security.checks import shared_cache_check
from liaison.roles import Role
from tests.core.security.conftest import PASSWORD


@pytest.mark.django_db
def test_a_second_address_cannot_log_into_a_locked_account(make_user, client):
    user = make_user(Role.CADRE)
    # given five wrong passwords from one address
    for _ in range(5):
        client.post(
            "/accounts/login/",
            {"username": user.username, "password": "wrong-password"},
            REMOTE_ADDR="10.0.0.1",
        )
    # when the right password comes from another address
    response = client.post(
        "/accounts/login/",
        {"username": user.username, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.99",
    )
    # then the account is still locked, and the guessing address is on record
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.filter(username=user.username, ip_address="10.0.0.1").exists()


@pytest.fixture
def low_anon_rate(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"lockout-tests-{uuid.uuid4()}",
        }
    }
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/min", "user": "1000/min", "token": "1000/min"},
    }


@pytest.mark.django_db
def test_anonymous_requests_are_throttled_before_the_401(low_anon_rate):
    client = APIClient()
    codes = [client.get("/api/v1/households/").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    assert "Retry-After" in client.get("/api/v1/issues/")


@pytest.mark.django_db
def test_wrong_tokens_are_throttled_as_anonymous(low_anon_rate):
    codes = []
    for n in range(4):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {n:040d}")
        codes.append(client.get("/api/v1/households/").status_code)
    assert codes == [401, 401, 401, 429]


@pytest.mark.django_db
def test_an_anonymous_request_is_counted_once(low_anon_rate):
    # charged while authenticating, then skipped by the view's own AnonThrottle: not twice
    codes = [APIClient().get("/api/schema/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_check_deploy_warns_without_a_shared_cache():
    local = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    shared = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://redis:6379/2",
        }
    }
    with override_settings(CACHES=local):
        assert [w.id for w in shared_cache_check()] == ["lianxin.W002"]
        deploy = checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.caches])
        assert "lianxin.W002" in [w.id for w in deploy]
        plain = checks.run_checks(include_deployment_checks=False, tags=[checks.Tags.caches])
        assert "lianxin.W002" not in [w.id for w in plain]
    with override_settings(CACHES=shared):
        assert shared_cache_check() == []
