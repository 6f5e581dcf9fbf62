from __future__ import annotations

import logging
from collections.abc import Sequence

from core.notifications.base import Backend, Message

log = logging.getLogger(__name__)


class LoggingSmsBackend(Backend):
    """A stand-in SMS gateway: logs what it would send. A real gateway (the provider's HTTP API)
    subclasses this and overrides `deliver`."""

    name = "sms"
    sent: list[tuple[str, str]] = []  # for tests and the demo: (phone, text)

    def deliver(self, phone: str, text: str) -> None:
        log.info("SMS to %s: %s", phone, text)
        self.sent.append((phone, text))

    def send(self, messages: Sequence[Message]) -> None:
        for m in messages:
            if m.phone:
                self.deliver(m.phone, f"【连心】{m.title}")
