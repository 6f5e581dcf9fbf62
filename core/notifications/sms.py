from __future__ import annotations

import logging

from core.notifications.base import Backend, Message

log = logging.getLogger(__name__)


class LoggingSmsBackend(Backend):
    """A stand-in SMS gateway: logs what it would send. A real gateway (the provider's HTTP API)
    subclasses this and overrides `deliver_text`, passing `key` as the provider's idempotency key
    (most Chinese SMS APIs take an out-id / request id and drop a repeated one)."""

    name = "sms"
    sent: list[tuple[str, str]] = []  # for tests and the demo: (phone, text)

    def address(self, message: Message) -> str:
        return message.phone

    def deliver_text(self, phone: str, text: str, *, key: str = "") -> None:
        log.info("SMS to %s: %s", phone, text)
        self.sent.append((phone, text))

    def deliver(self, message: Message, *, address: str, key: str) -> None:
        self.deliver_text(address, f"【连心】{message.title}", key=key)
