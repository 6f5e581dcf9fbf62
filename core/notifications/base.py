from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    """One notification to one person. `kind` is a liaison.Notification.Kind value."""

    user_id: int | None
    title: str
    body: str
    kind: str = "system"
    url: str = ""
    email: str = ""
    phone: str = ""
    name: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


class PermanentError(Exception):
    """The channel refused this one recipient for good (SMTP 5xx, HTTP 4xx, a malformed URL):
    retrying cannot help, so the delivery is marked failed at once."""


class Backend:
    """A notification channel.

    External channels (e-mail, SMS, webhook) send one `Delivery` at a time with `deliver`, which
    raises PermanentError for a refusal and any other exception for a transient failure.
    `address` says where a message goes on this channel ('' for nowhere); a `batched` channel (a
    group webhook) instead `plan`s one message for the whole batch. `send` delivers a batch directly and never
    raises for one bad address (it logs it): the path without delivery records."""

    name = "base"
    external = True
    batched = False  # True: one delivery per batch (plan), not one per recipient (address)

    def address(self, message: Message) -> str:
        return ""

    def plan(self, messages: Sequence[Message]) -> list[tuple[Message, str]]:
        """(message, address) pairs: what to deliver for this batch (batched channels)."""
        return [(m, a) for m in messages if (a := self.address(m))]

    def deliver(self, message: Message, *, address: str, key: str) -> None:  # pragma: no cover
        raise NotImplementedError

    def send(self, messages: Sequence[Message]) -> None:
        for message, address in self.plan(messages):
            try:
                self.deliver(message, address=address, key="")
            except Exception as exc:  # noqa: BLE001 - one address never stops the others
                log.warning("notifications: %s to %s failed: %s", self.name, address, exc)
