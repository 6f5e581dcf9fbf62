"""E-mail: one message per recipient, each its own SMTP transaction. A 5xx answer for that
address is a permanent refusal of that one delivery; anything else (connection lost, 4xx) is
transient and retried with back-off (core.delivery)."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from core.notifications.base import Backend, Message, PermanentError


def _permanent(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 500 <= exc.smtp_code < 600
    return False


class EmailBackend(Backend):
    """E-mail to those who have an address."""

    name = "email"

    def address(self, message: Message) -> str:
        return message.email

    def deliver(self, message: Message, *, address: str, key: str) -> None:
        headers = {"X-Lianxin-Delivery": key} if key else {}
        email = EmailMessage(
            message.title,
            message.body,
            settings.DEFAULT_FROM_EMAIL,
            [address],
            headers=headers,
            connection=get_connection(fail_silently=False, timeout=EMAIL_TIMEOUT),
        )
        try:
            email.send(fail_silently=False)
        except Exception as exc:
            if _permanent(exc):
                raise PermanentError(f"SMTP refused {address}: {exc}") from exc
            raise


EMAIL_TIMEOUT = 10  # seconds: a hung SMTP server holds one delivery, never the worker
