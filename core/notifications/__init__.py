"""Notifications behind one small interface: a backend takes a batch of messages and sends them.

Backends are chosen by settings.NOTIFICATION_BACKENDS (dotted paths); in-app and e-mail by
default, SMS (a logging gateway stub) and WeChat Work / DingTalk group webhooks on request.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from core.notifications.base import Backend, Message

__all__ = ["Backend", "Message", "backends", "send"]

DEFAULT_BACKENDS = [
    "core.notifications.inapp.InAppBackend",
    "core.notifications.email.EmailBackend",
]


@cache
def _load(paths: tuple[str, ...], webhook: tuple[str, str]) -> tuple[Backend, ...]:
    return tuple(import_string(path)() for path in paths)


def backends() -> tuple[Backend, ...]:
    """The configured backends (built once per configuration)."""
    paths = tuple(getattr(settings, "NOTIFICATION_BACKENDS", DEFAULT_BACKENDS))
    webhook = (
        getattr(settings, "NOTIFICATION_WEBHOOK_URL", ""),
        getattr(settings, "NOTIFICATION_WEBHOOK_KIND", ""),
    )
    return _load(paths, webhook)


def send(messages: Sequence[Message]) -> None:
    """Send a batch through every configured backend (in-app first: it is the record)."""
    if not messages:
        return
    for backend in backends():
        backend.send(messages)
