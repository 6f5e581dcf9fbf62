from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Message:
    """One notification to one person. `kind` is a liaison.Notification.Kind value."""

    user_id: int
    title: str
    body: str
    kind: str = "system"
    url: str = ""
    email: str = ""
    phone: str = ""
    name: str = ""


class Backend:
    """Send a batch of messages. Implementations must not raise for one bad address: log it."""

    name = "base"

    def send(self, messages: Sequence[Message]) -> None:  # pragma: no cover - interface
        raise NotImplementedError
