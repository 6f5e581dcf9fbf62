"""Per-recipient, per-channel delivery (core.delivery) against a real SMTP server (aiosmtpd) that
refuses one address with 550 and a webhook server that records the Idempotency-Key header."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from core.delivery import (
    backoff,
    deliveries_create,
    deliveries_due,
    deliveries_send,
    delivery_send,
)
from core.models import Delivery, OutboxMessage
from core.notifications import Message
from core.outbox import _consumer_finished, outbox_reconcile
from tests.core.reliability.sinks import SmtpSink, WebhookSink

INAPP_EMAIL = ["core.notifications.inapp.InAppBackend", "core.notifications.email.EmailBackend"]
SMTP = "django.core.mail.backends.smtp.EmailBackend"
pytestmark = pytest.mark.django_db


def planned(n: int, *, bad: int | None = None, batch: str = "t:1") -> list[int]:
    items = [
        (
            f"test:{i}",
            Message(
                user_id=None,
                title=f"提醒 {i}",
                body="正文",
                email=f"{'bad' if i == bad else 'c'}{i}@example.cn",
                name=f"干部{i}",
            ),
        )
        for i in range(n)
    ]
    with transaction.atomic():
        return deliveries_create(items, batch=batch)


def test_a_refused_address_fails_its_own_row_and_every_other_is_sent_once(settings):
    settings.NOTIFICATION_BACKENDS = INAPP_EMAIL
    settings.EMAIL_BACKEND = SMTP
    with SmtpSink(refuse={"bad3@example.cn"}) as smtp:
        settings.EMAIL_HOST, settings.EMAIL_PORT = smtp.host, smtp.port
        # given six e-mails, the fourth to an address the server refuses (550),
        pks = planned(6, bad=3)
        # when they are sent (twice: a redelivered task),
        assert deliveries_send(pks) == {"sent": 5, "failed": 1}
        assert deliveries_send(pks) == {}
        # then the refused row alone failed, with the reason, and the others arrived once.
        failed = Delivery.objects.get(state="failed")
        assert failed.address == "bad3@example.cn" and "550" in failed.last_error
        assert failed.attempts == 1
        assert smtp.counts() == {f"c{i}@example.cn": 1 for i in (0, 1, 2, 4, 5)}
        assert set(Delivery.objects.exclude(pk=failed.pk).values_list("state", flat=True)) == {
            "sent"
        }


def test_a_transient_error_backs_off_per_row_with_a_cap_then_fails(settings):
    settings.NOTIFICATION_BACKENDS = INAPP_EMAIL
    settings.EMAIL_BACKEND = SMTP
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens: refused
    settings.DELIVERY_MAX_ATTEMPTS = 3
    [pk] = planned(1)
    waits = []
    for _attempt in range(3):
        before = timezone.now()
        delivery_send(pk)
        row = Delivery.objects.get(pk=pk)
        waits.append(row.next_attempt_at - before)
        Delivery.objects.filter(pk=pk).update(next_attempt_at=timezone.now())
    assert row.state == "failed" and row.attempts == 3 and row.last_error
    assert waits[0] >= timedelta(seconds=29) and waits[1] >= timedelta(seconds=59)
    assert backoff(30) == timedelta(seconds=settings.DELIVERY_BACKOFF_CAP)


def test_a_claimed_row_is_not_sent_again_until_its_claim_is_stale(settings, mailoutbox):
    settings.NOTIFICATION_BACKENDS = INAPP_EMAIL
    [pk] = planned(1)
    Delivery.objects.filter(pk=pk).update(state="sending", claimed_at=timezone.now())
    assert delivery_send(pk) == ""  # another worker holds it
    assert pk not in deliveries_due()
    stale = timezone.now() - timedelta(seconds=settings.DELIVERY_SENDING_TIMEOUT + 1)
    Delivery.objects.filter(pk=pk).update(claimed_at=stale)  # that worker died mid-send
    assert deliveries_due() == [pk]
    assert delivery_send(pk) == "sent"
    assert len(mailoutbox) == 1


def test_the_group_webhook_gets_one_post_per_batch_with_its_idempotency_key(settings):
    with WebhookSink() as hook:
        settings.NOTIFICATION_BACKENDS = [*INAPP_EMAIL, "core.notifications.webhook.WebhookBackend"]
        settings.NOTIFICATION_WEBHOOK_URL = hook.url
        pks = planned(3, batch="reminders:abc")
        assert deliveries_send(pks) == {"sent": 4}
        assert deliveries_send(pks) == {}
        [post] = hook.received
        assert post["key"] == "reminders:abc:webhook"
        assert "干部2：提醒 2" in post["body"]["markdown"]["content"]


def test_an_unreachable_webhook_url_is_a_permanent_failure_of_that_row(settings):
    settings.NOTIFICATION_BACKENDS = [*INAPP_EMAIL, "core.notifications.webhook.WebhookBackend"]
    settings.NOTIFICATION_WEBHOOK_URL = "ftp://example.cn/hook"
    pks = planned(2)
    assert deliveries_send(pks) == {"sent": 2, "failed": 1}
    assert "http(s)" in Delivery.objects.get(channel="webhook").last_error


def test_an_outbox_row_is_done_when_the_worker_finished_it_and_republished_if_never():
    a = OutboxMessage.objects.create(task="liaison.ping", key="a", sent_at=timezone.now())
    b = OutboxMessage.objects.create(task="liaison.ping", key="b", sent_at=timezone.now())
    _consumer_finished(task_id=f"outbox-{a.pk}", state="RETRY")
    assert OutboxMessage.objects.get(pk=a.pk).done_at is None
    _consumer_finished(task_id=f"outbox-{a.pk}", state="SUCCESS")
    assert OutboxMessage.objects.get(pk=a.pk).done_at is not None
    # b was accepted by a broker that then lost it: after the republish delay it is pending again
    assert outbox_reconcile() == 0
    OutboxMessage.objects.filter(pk=b.pk).update(sent_at=timezone.now() - timedelta(hours=1))
    assert outbox_reconcile() == 1
    assert OutboxMessage.objects.get(pk=b.pk).sent_at is None
    assert OutboxMessage.objects.get(pk=a.pk).sent_at is not None
