from __future__ import annotations

from collections.abc import Sequence

from core.models import Notification
from core.notifications.base import Backend, Message
from core.notifications.bulk import rows_insert


class InAppBackend(Backend):
    """The bell: one Notification row per message, all in one INSERT whatever their number, in
    the caller's transaction (it is the record, never waits on an external channel)."""

    name = "inapp"
    external = False

    def send(self, messages: Sequence[Message]) -> None:
        rows_insert(
            Notification,
            [
                {
                    "recipient": m.user_id,
                    "kind": m.kind,
                    "title": m.title[:128],
                    "body": m.body,
                    "url": m.url,
                }
                for m in messages
                if m.user_id
            ],
        )
