from __future__ import annotations

from collections.abc import Sequence

from core.models import Notification
from core.notifications.base import Backend, Message


class InAppBackend(Backend):
    """The bell: one Notification row per message, in one INSERT, in the caller's transaction
    (it is the record, never waits on an external channel)."""

    name = "inapp"
    external = False

    def send(self, messages: Sequence[Message]) -> None:
        Notification.objects.bulk_create(
            Notification(
                recipient_id=m.user_id, kind=m.kind, title=m.title[:128], body=m.body, url=m.url
            )
            for m in messages
            if m.user_id
        )
