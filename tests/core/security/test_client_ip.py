"""The client address is read in one place (core.audit.client_ip): X-Forwarded-For counts only
behind TRUSTED_PROXY_COUNT trusted proxies, so a forged header neither becomes the audited IP nor
escapes the rate limits (issue #12, finding 8)."""

from __future__ import annotations

import uuid

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.test import RequestFactory
from rest_framework.test import APIClient

from core.audit import client_ip
from core.models import AuditEntry
from liaison.roles import Role


@pytest.mark.parametrize(
    ("proxies", "forwarded", "remote", "expected"),
    [
        (0, "", "10.0.0.1", "10.0.0.1"),
        (0, "6.6.6.6", "10.0.0.1", "10.0.0.1"),  # no proxy trusted: the header is ignored
        (1, "", "10.0.0.1", "10.0.0.1"),  # came past the proxy: its own address
        (1, "203.0.113.9", "10.0.0.1", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "10.0.0.1", "203.0.113.9"),  # forged entry on the left
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "10.0.0.1", "203.0.113.9"),
        (2, "203.0.113.9", "10.0.0.1", "203.0.113.9"),  # fewer entries than proxies
        (1, "not-an-address", "10.0.0.1", "10.0.0.1"),
        (1, "2001:db8::1", "10.0.0.1", "2001:db8::1"),
        (0, "", "", None),
    ],
)
def test_client_ip_trusts_only_the_configured_proxies(
    settings, proxies, forwarded, remote, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_the_default_trusts_no_proxy():
    assert django_settings.TRUSTED_PROXY_COUNT == 0


def test_every_reader_of_the_address_uses_the_one_function():
    assert django_settings.AXES_CLIENT_IP_CALLABLE == "core.audit.client_ip"
    assert django_settings.REST_FRAMEWORK["NUM_PROXIES"] == django_settings.TRUSTED_PROXY_COUNT


@pytest.mark.django_db
def test_a_forged_header_is_not_the_audited_or_locked_out_address(make_user, login, client):
    user = make_user(Role.CADRE)
    client.post(
        "/accounts/login/",
        {"username": user.username, "password": "wrong-password"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="6.6.6.6",
    )
    assert AuditEntry.objects.get(action=AuditEntry.Action.LOGIN_FAILED).ip_address == "10.0.0.1"
    assert AccessAttempt.objects.get(username=user.username).ip_address == "10.0.0.1"


@pytest.mark.django_db
def test_a_forged_header_does_not_escape_the_api_throttle(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"ip-tests-{uuid.uuid4()}",
        }
    }
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/min", "user": "1000/min", "token": "1000/min"},
    }
    client = APIClient()
    codes = [
        client.get(
            "/api/schema/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"6.6.6.{n}"
        ).status_code
        for n in range(4)
    ]
    assert codes == [200, 200, 200, 429]
