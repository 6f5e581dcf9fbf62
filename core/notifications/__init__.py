"""Notifications behind one small interface: a backend takes a batch of messages and sends them.

Backends are chosen by settings.NOTIFICATION_BACKENDS (dotted paths); in-app and e-mail by
default, SMS (a logging gateway stub) and WeChat Work / DingTalk group webhooks on request.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from core.notifications.base import Backend, Message, PermanentError

__all__ = [
    "Backend",
    "Message",
    "PermanentError",
    "backend_named",
    "backends",
    "external_backends",
    "ring",
    "send",
]

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


def external_backends() -> tuple[Backend, ...]:
    """The channels that leave the database (e-mail, SMS, webhook): sent per Delivery row."""
    return tuple(b for b in backends() if b.external)


def backend_named(name: str) -> Backend | None:
    return next((b for b in backends() if b.name == name), None)


def ring(messages: Sequence[Message]) -> None:
    """The in-app channels only (the bell), in the caller's transaction."""
    for backend in backends():
        if not backend.external:
            backend.send(messages)


def send(messages: Sequence[Message]) -> None:
    """Send a batch through every configured backend at once, without delivery records (in-app
    first: it is the record). Reminders and alerts go through core.delivery instead."""
    if not messages:
        return
    for backend in backends():
        backend.send(messages)
