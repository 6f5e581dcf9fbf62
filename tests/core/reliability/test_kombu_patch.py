"""kombu 5.7.0 kills the worker when Redis restarts: restoring unacknowledged messages through the
closed connection raises AttributeError('NoneType' object has no attribute 'hostname').
config/celery.py leaves them in Redis's unacked index instead (redelivered after the visibility
timeout); with an open connection the original method runs."""

from types import SimpleNamespace

from kombu.transport import redis as kombu_redis

import config.celery  # noqa: F401 - applies the patch


def qos(client):
    channel = SimpleNamespace(connection=SimpleNamespace(client=client))
    fake = SimpleNamespace(channel=channel, _delivered={"tag-1": object(), "tag-2": object()})
    return fake


def test_a_closed_connection_leaves_the_unacked_messages_for_redelivery(caplog):
    fake = qos(None)
    kombu_redis.QoS.restore_unacked(fake)  # the unpatched method raises AttributeError here
    assert fake._delivered == {}
    assert "2 unacknowledged message(s) left for redelivery" in caplog.text


def test_an_open_connection_restores_as_before(monkeypatch):
    calls = []
    monkeypatch.setattr(
        config.celery, "_original_restore_unacked", lambda self, client=None: calls.append(self)
    )
    fake = qos(SimpleNamespace(hostname="127.0.0.1"))
    kombu_redis.QoS.restore_unacked(fake)
    assert calls == [fake]
