"""The resident's QR self-report: household from the signed token, anti-abuse, rate limit."""

import time

import pytest
from django.core import signing
from django.core.cache import cache
from django.urls import reverse

from issues import self_report
from issues.models import Issue, Source, Status


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def _token(household):
    return signing.dumps(household.pk, salt="lianxin.household-report")


def _challenge(a=3, b=4, age=10):
    return signing.dumps({"a": a, "b": b, "t": time.time() - age}, salt=self_report.CHALLENGE_SALT)


def _form(**overrides):
    data = {
        "reporter_name": "王大爷",
        "reporter_phone": "13800001111",
        "description": "楼道灯坏了好几天了",
        "answer": "7",
        "started": _challenge(),
        "website": "",
    }
    data.update(overrides)
    return data


def test_the_form_opens_without_login(client, world):
    response = client.get(reverse("issues:self-report", args=[_token(world.household)]))
    assert response.status_code == 200
    assert world.household.code in response.content.decode()


@pytest.mark.parametrize(
    "token",
    ["garbage", signing.dumps(1, salt="another-salt")],
    ids=["garbage", "another-salt"],  # the signed value holds a timestamp: pytest-xdist's
)  # workers must collect the same test ids
def test_a_bad_token_is_404(client, world, token):
    assert client.get(reverse("issues:self-report", args=[token])).status_code == 404


def test_a_valid_report_lands_in_the_triage_queue(client, world):
    url = reverse("issues:self-report", args=[_token(world.household)])
    response = client.post(url, _form(), REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 302
    issue = Issue.objects.get()
    assert (issue.household, issue.source, issue.status) == (
        world.household,
        Source.SELF_REPORT,
        Status.REPORTED,
    )
    assert issue.created_by is None and issue.reporter_name == "王大爷"
    from issues.selectors import triage_queue_for

    assert triage_queue_for(world.users["staff"]) == [issue]


@pytest.mark.parametrize(
    "overrides",
    [
        {"website": "http://spam.example"},  # honeypot
        {"answer": "8"},  # wrong sum
        {"started": lambda: _challenge(age=1)},  # filled in under the minimum time
        {"started": "forged"},
        {"description": "短"},
        {"reporter_phone": "12"},
        {"answer": "abc"},
        {"reporter_name": ""},
    ],
)
def test_bad_input_creates_nothing(client, world, overrides):
    # Time-based values are made when the test runs, not when it is collected.
    overrides = {k: v() if callable(v) else v for k, v in overrides.items()}
    url = reverse("issues:self-report", args=[_token(world.household)])
    response = client.post(url, _form(**overrides))
    assert response.status_code == 400
    assert not Issue.objects.exists()


def test_rate_limit_per_address(client, world):
    url = reverse("issues:self-report", args=[_token(world.household)])
    limit = self_report.PER_IP[0]
    for n in range(limit):
        assert (
            client.post(
                url, _form(description=f"问题第{n}个，需要处理"), REMOTE_ADDR="10.0.0.2"
            ).status_code
            == 302
        )
    response = client.post(url, _form(description="再来一个问题"), REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 429
    assert Issue.objects.count() == limit


def test_rate_limit_per_household_across_addresses(client, world):
    url = reverse("issues:self-report", args=[_token(world.household)])
    limit = self_report.PER_HOUSEHOLD[0]
    for n in range(limit):
        client.post(url, _form(description=f"问题第{n}个，需要处理"), REMOTE_ADDR=f"10.1.0.{n}")
    response = client.post(url, _form(description="再来一个问题"), REMOTE_ADDR="10.2.0.1")
    assert response.status_code == 429
