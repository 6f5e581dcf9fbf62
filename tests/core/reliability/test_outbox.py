"""The transactional outbox (core.outbox), broker simulated: what is written, sent, kept
pending while the broker is down and relayed later. The real-Redis version of this is
test_redis_down.py (worker pass)."""

import contextlib
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from core import outbox
from core.models import OutboxMessage


class FakeBroker:
    def __init__(self):
        self.up = True
        self.published: list[tuple[str, list, dict]] = []

    @contextlib.contextmanager
    def connect(self):
        if not self.up:
            raise OperationalError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")
        yield self

    def publish(self, conn, message):
        self.published.append((message.task, message.args, message.kwargs))


@pytest.fixture
def broker(monkeypatch):
    fake = FakeBroker()
    monkeypatch.setattr(outbox, "_eager", lambda: False)
    monkeypatch.setattr(outbox, "_broker", fake.connect)
    monkeypatch.setattr(outbox, "_publish", fake.publish)
    return fake


@pytest.mark.django_db(transaction=True)
def test_a_committed_enqueue_is_written_and_sent_after_commit(broker):
    with transaction.atomic():
        row = outbox.outbox_enqueue("liaison.ping", 1, key="k1", flag=True)
        assert broker.published == []  # nothing leaves before the commit
    assert broker.published == [("liaison.ping", [1], {"flag": True})]
    row.refresh_from_db()
    assert row.sent_at is not None and row.attempts == 1 and row.last_error == ""


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_enqueue_leaves_no_row_and_sends_nothing(broker):
    with contextlib.suppress(ZeroDivisionError), transaction.atomic():
        outbox.outbox_enqueue("liaison.ping", key="k1")
        1 / 0  # noqa: B018
    assert not OutboxMessage.objects.exists()
    assert broker.published == []


@pytest.mark.django_db(transaction=True)
def test_the_same_key_twice_is_one_row_and_one_message(broker):
    with transaction.atomic():
        first = outbox.outbox_enqueue("liaison.ping", key="same")
        second = outbox.outbox_enqueue("liaison.ping", key="same")
    assert first.pk == second.pk
    assert OutboxMessage.objects.count() == 1
    assert len(broker.published) == 1


@pytest.mark.django_db(transaction=True)
def test_broker_down_keeps_the_task_pending_until_the_relay_sends_it(broker):
    broker.up = False
    with transaction.atomic():
        outbox.outbox_enqueue("liaison.ping", 7, key="down")
    row = OutboxMessage.objects.get()
    assert row.sent_at is None and row.attempts == 1 and "Connection refused" in row.last_error
    assert outbox.outbox_relay() == {"sent": 0, "failed": 1, "pending": 1}

    broker.up = True
    assert outbox.outbox_relay() == {"sent": 1, "failed": 0, "pending": 0}
    assert outbox.outbox_relay() == {"sent": 0, "failed": 0, "pending": 0}
    assert broker.published == [("liaison.ping", [7], {})]
    row.refresh_from_db()
    assert row.sent_at is not None and row.attempts == 3 and row.last_error == ""


@pytest.mark.django_db(transaction=True)
def test_the_next_successful_enqueue_relays_older_pending_rows(broker):
    broker.up = False
    with transaction.atomic():
        outbox.outbox_enqueue("liaison.ping", "old", key="old")
    OutboxMessage.objects.update(created_at=timezone.now() - timedelta(minutes=1))
    broker.up = True
    with transaction.atomic():
        outbox.outbox_enqueue("liaison.ping", "new", key="new")
    assert sorted(args[0] for _task, args, _kw in broker.published) == ["new", "old"]
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_relay_outbox_command_reports_and_sends(broker):
    broker.up = False
    for key in ("a", "b"):
        with transaction.atomic():
            outbox.outbox_enqueue("liaison.ping", key=key)
    out = _call("relay_outbox", "--check")
    assert "待发送：2" in out
    broker.up = True
    out = _call("relay_outbox")
    assert "已发送：2，失败：0，仍待发送：0" in out
    assert len(broker.published) == 2


@pytest.mark.django_db(transaction=True)
def test_the_beat_task_relays(broker):
    from core.tasks import relay_outbox

    broker.up = False
    with transaction.atomic():
        outbox.outbox_enqueue("liaison.ping", key="x")
    broker.up = True
    assert relay_outbox.apply().get() == {"sent": 1, "failed": 0, "pending": 0, "pruned": 0}


@pytest.mark.django_db(transaction=True)
def test_sent_rows_are_pruned_after_a_week_pending_rows_never(broker):
    from core.tasks import relay_outbox

    broker.up = False
    with transaction.atomic():
        outbox.outbox_enqueue("liaison.ping", key="pending")
    broker.up = True
    with transaction.atomic():
        outbox.outbox_enqueue("liaison.ping", key="recent")
    with transaction.atomic():
        outbox.outbox_enqueue("liaison.ping", key="old")
    long_ago = timezone.now() - timedelta(days=8)
    OutboxMessage.objects.filter(key="pending").update(sent_at=None, created_at=long_ago)
    OutboxMessage.objects.filter(key="old").update(
        sent_at=long_ago, done_at=long_ago, created_at=long_ago
    )
    broker.up = False
    result = relay_outbox.apply().get()
    assert result["pruned"] == 1 and result["pending"] == 1
    assert set(OutboxMessage.objects.values_list("key", flat=True)) == {"pending", "recent"}


@pytest.mark.django_db(transaction=True)
def test_eager_mode_runs_the_task_in_process_after_commit(monkeypatch):
    from visits import tasks

    calls = []
    monkeypatch.setattr(
        tasks.count_households, "run", lambda township_id: calls.append(township_id)
    )
    with transaction.atomic():
        assert outbox.outbox_enqueue(tasks.count_households, 5) is None
        assert calls == []
    assert calls == [5]
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_the_relay_runs_every_minute_from_beat():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="liaison.relay_outbox")
    assert task.enabled and task.crontab.minute == "*" and task.crontab.hour == "*"


def _call(*args) -> str:
    import io

    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_an_admin_can_relay_pending_tasks_from_the_admin(broker, client, make_user):
    broker.up = False
    with transaction.atomic():
        row = outbox.outbox_enqueue("liaison.ping", key="admin")
    broker.up = True
    client.force_login(make_user(superuser=True))
    response = client.post(
        "/admin/core/outboxmessage/",
        {"action": "relay_pending", "_selected_action": [row.pk]},
        follow=True,
    )
    assert "已发送 1 条，失败 0 条，仍待发送 0 条。" in response.content.decode()
    assert len(broker.published) == 1
