"""The Celery application; configured from Django settings under the CELERY_ namespace."""

import logging
import os

from celery import Celery
from kombu.transport import redis as kombu_redis

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("lianxin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

log = logging.getLogger(__name__)


def _restore_unacked_unless_closed(self, client=None):
    """kombu <= 5.7.0 (the latest release, checked 2026-11): when Redis restarts, the worker
    closes the broker connection (which clears the transport's `client`) and then restores its
    unacknowledged messages through that closed connection, which raises AttributeError('NoneType'
    object has no attribute 'hostname') in Channel._connparams and kills the worker ("Unrecoverable
    error"). The messages are still in Redis's unacked index, and any worker's restore_visible puts
    them back after the visibility timeout, so with the connection gone we leave them there."""
    if getattr(self.channel.connection, "client", None) is None:
        log.warning(
            "broker connection closed: %d unacknowledged message(s) left for redelivery after "
            "the visibility timeout",
            len(self._delivered),
        )
        self._delivered.clear()
        return None
    return _original_restore_unacked(self, client)


_original_restore_unacked = kombu_redis.QoS.restore_unacked
kombu_redis.QoS.restore_unacked = _restore_unacked_unless_closed
