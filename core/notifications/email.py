from __future__ import annotations

import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import get_connection, send_mass_mail

from core.notifications.base import Backend, Message

log = logging.getLogger(__name__)


class EmailBackend(Backend):
    """E-mail to those who have an address, over one SMTP connection per batch."""

    name = "email"

    def send(self, messages: Sequence[Message]) -> None:
        batch = [
            (m.title, m.body, settings.DEFAULT_FROM_EMAIL, [m.email]) for m in messages if m.email
        ]
        if batch:
            send_mass_mail(batch, fail_silently=False, connection=get_connection())
            log.info("notifications: %d e-mails sent", len(batch))
