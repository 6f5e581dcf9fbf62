"""The resident's tracking number, status page and own rating (issue 15 item 1), and the
self-report form that keeps its question and the typed text after an error."""

import re
import time

import pytest
from django.core import signing
from django.core.cache import cache
from django.urls import reverse

from core.models import Delivery
from core.notifications.sms import LoggingSmsBackend
from issues import self_report, tracking
from issues.codes import normalise_tracking_code
from issues.models import Issue, IssueEvent, Status
from issues.transitions import TransitionNotAllowed

SMS = [
    "core.notifications.inapp.InAppBackend",
    "core.notifications.sms.LoggingSmsBackend",
    "core.notifications.webhook.WebhookBackend",
]


@pytest.fixture(autouse=True)
def _clean(settings):
    cache.clear()
    LoggingSmsBackend.sent.clear()
    yield
    cache.clear()


def _url(world):
    return reverse(
        "issues:self-report",
        args=[signing.dumps(world.household.pk, salt="lianxin.household-report")],
    )


def _form(**overrides):
    started = signing.dumps(
        {"a": 3, "b": 4, "t": time.time() - 10}, salt=self_report.CHALLENGE_SALT
    )
    data = {
        "reporter_name": "王大爷",
        "reporter_phone": "13800001111",
        "description": "楼道灯坏了好几天了",
        "answer": "7",
        "started": started,
        "website": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "overrides", [{"answer": "8"}, {"description": "短"}, {"answer": ""}], ids=str
)
def test_after_an_error_the_question_is_new_and_the_text_kept(client, world, overrides):
    response = client.post(_url(world), _form(**overrides), REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r"请计算：\d \+ \d = \?", html), "the arithmetic question is shown again"
    assert "王大爷" in html and "13800001111" in html
    form = response.context["form"]
    assert form["started"].value() != _form()["started"]  # a new challenge
    assert not form["answer"].value()  # the old answer does not fit the new question


def test_a_report_gets_a_number_on_the_page_and_by_sms(
    client, world, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_BACKENDS = SMS
    settings.NOTIFICATION_WEBHOOK_URL = "https://example.invalid/robot"
    with pytest.MonkeyPatch.context() as mp, django_capture_on_commit_callbacks(execute=True):
        posted = []
        mp.setattr(
            "core.notifications.webhook.WebhookBackend.post",
            lambda self, *a, **k: posted.append(a),
        )
        response = client.post(_url(world), _form(), REMOTE_ADDR="10.0.0.1", follow=True)
    issue = Issue.objects.get()
    assert re.fullmatch(r"LX-[2-9A-HJKMNP-Z]{8}", issue.tracking_code)
    page = response.content.decode()
    assert issue.tracking_code in page
    assert LoggingSmsBackend.sent == [("13800001111", "【连心】" + tracking.sms_text(issue))]
    assert issue.tracking_code in LoggingSmsBackend.sent[0][1]
    row = Delivery.objects.get(source=f"tracking:{issue.pk}")
    assert (row.channel, row.state) == ("sms", "sent")
    assert posted == []  # the group webhook never sees the resident's number


def test_no_phone_no_sms(client, world, settings, django_capture_on_commit_callbacks):
    settings.NOTIFICATION_BACKENDS = SMS
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_url(world), _form(reporter_phone=""), REMOTE_ADDR="10.0.0.1")
    assert Issue.objects.get().tracking_code
    assert LoggingSmsBackend.sent == [] and not Delivery.objects.exists()


def test_numbers_are_unique_and_typed_forms_normalise(new_issue):
    codes = {new_issue(description=f"诉求内容第{i}件").tracking_code for i in range(20)}
    assert len(codes) == 20
    code = codes.pop()
    assert normalise_tracking_code(code.lower().replace("-", " ")) == code
    assert normalise_tracking_code("LX-0000") == ""


def _reported(client, world, phone="13800001111"):
    client.post(_url(world), _form(reporter_phone=phone), REMOTE_ADDR="10.0.0.1")
    client.session.flush()  # a fresh browser: nothing remembered
    return Issue.objects.latest("pk")


def test_status_page_needs_the_number_and_the_last_four_digits(client, world, advance):
    issue = _reported(client, world)
    url = reverse("issues:track")
    wrong = client.post(url, {"code": issue.tracking_code, "last4": "0000"})
    assert wrong.status_code == 400 and "不正确" in wrong.content.decode()
    assert 'data-testid="track-status"' not in wrong.content.decode()
    unknown = client.post(url, {"code": "LX-23456789", "last4": "1111"})
    assert unknown.content.decode().count("不正确") == 1  # the same answer for both
    found = client.post(url, {"code": issue.tracking_code, "last4": "1111"}, follow=True)
    html = found.content.decode()
    assert 'data-testid="track-status"' in html and "已受理" in html
    # no personal data: not the description, the name, the phone or the household
    for secret in ("楼道灯", "王大爷", "13800001111", world.household.code):
        assert secret not in html


def test_status_page_is_rate_limited(client, world, monkeypatch):
    monkeypatch.setattr(tracking, "LOOKUPS_PER_IP", (3, 3600))
    for _ in range(3):
        client.post(reverse("issues:track"), {"code": "LX-23456789", "last4": "1111"})
    assert client.post(reverse("issues:track"), {"code": "x", "last4": "1"}).status_code == 429


def test_too_many_wrong_phones_lock_the_number(client, world, monkeypatch):
    issue = _reported(client, world)
    monkeypatch.setattr(tracking, "FAILURES_PER_CODE", (2, 3600))
    assert tracking.tracking_find(issue.tracking_code, "0000") is None
    assert tracking.tracking_find(issue.tracking_code, "0001") is None
    assert tracking.tracking_find(issue.tracking_code, "1111") is None  # locked


def _replied(client, world, advance):
    issue = _reported(client, world)
    client.post(reverse("issues:track"), {"code": issue.tracking_code, "last4": "1111"})
    return advance(issue, "replied")


def test_the_resident_rates_once_after_the_reply(client, world, advance):
    issue = _replied(client, world, advance)
    page = client.get(reverse("issues:track")).content.decode()
    assert "已电话告知" in page and 'data-testid="rate-form"' in page
    response = client.post(
        reverse("issues:track-rate"), {"satisfaction": "basic", "comment": "还行"}, follow=True
    )
    assert "谢谢您的评价" in response.content.decode()
    issue.refresh_from_db()
    assert (issue.status, issue.satisfaction, issue.rated_by) == (Status.RATED, "basic", None)
    event = IssueEvent.objects.get(issue=issue, action="rate")
    assert event.payload == {"satisfaction": "basic", "by": "resident"}
    assert event.actor is None and event.note == "还行"
    assert 'data-testid="rate-form"' not in client.get(reverse("issues:track")).content.decode()
    again = client.post(
        reverse("issues:track-rate"), {"satisfaction": "unsatisfied", "comment": "x"}
    )
    assert again.status_code == 302
    issue.refresh_from_db()
    assert issue.satisfaction == "basic"  # once only
    with pytest.raises(TransitionNotAllowed):
        tracking.resident_rate(issue, satisfaction="satisfied")


def test_unsatisfied_needs_a_comment_and_reopens(client, world, advance):
    issue = _replied(client, world, advance)
    bad = client.post(reverse("issues:track-rate"), {"satisfaction": "unsatisfied"})
    assert bad.status_code == 400 and 'data-error="comment"' in bad.content.decode()
    client.post(
        reverse("issues:track-rate"), {"satisfaction": "unsatisfied", "comment": "灯还是不亮"}
    )
    issue.refresh_from_db()
    assert (issue.status, issue.reopen_count) == (Status.IN_PROGRESS, 1)


def test_rating_without_a_looked_up_number_goes_back_to_the_form(client, world, advance):
    issue = _replied(client, world, advance)
    client.session.flush()
    fresh = client.__class__()
    response = fresh.post(reverse("issues:track-rate"), {"satisfaction": "satisfied"})
    assert response.status_code == 302
    issue.refresh_from_db()
    assert issue.status == Status.REPLIED


def test_the_cadres_callback_remains_the_fallback(client, world, advance):
    issue = _replied(client, world, advance)
    issue = advance(issue, "rated")
    assert issue.rated_by == world.users["cadre"]
