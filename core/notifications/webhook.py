"""Group-robot webhooks of WeChat Work (企业微信) and DingTalk (钉钉): one markdown message per
batch to the township's work group chat. Configured with NOTIFICATION_WEBHOOK_URL and
NOTIFICATION_WEBHOOK_KIND ("wecom" or "dingtalk").

Each post carries the delivery's key in an `Idempotency-Key` header (a relay in front of the robot
may drop a repeated key; the robots themselves ignore it). A 4xx answer, an errcode other than a
rate limit, or a URL that is not http(s) is a permanent refusal; a 5xx, a timeout or a rate limit
is transient (retried with back-off by core.delivery)."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Sequence

from django.conf import settings

from core.notifications.base import Backend, Message, PermanentError

log = logging.getLogger(__name__)
MAX_LINES = 40
TITLE = "联系群众日提醒"
# errcodes that mean "later, not never": WeCom 45009 (API frequency), DingTalk 130101 (too fast)
RATE_LIMITED = {45009, 130101}


class WebhookError(PermanentError):
    """The robot refused the message (or the URL is not a web address)."""


class WebhookBusy(RuntimeError):
    """Rate-limited or a server error: try again later."""


def build_payload(kind: str, title: str, lines: list[str]) -> dict:
    text = "\n".join([f"### {title}", *lines])
    if kind == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    return {"msgtype": "markdown", "markdown": {"content": text}}


class WebhookBackend(Backend):
    name = "webhook"
    kind = "wecom"
    batched = True

    def __init__(self, url: str | None = None, kind: str | None = None, timeout: float = 5.0):
        self.url = url if url is not None else getattr(settings, "NOTIFICATION_WEBHOOK_URL", "")
        configured = getattr(settings, "NOTIFICATION_WEBHOOK_KIND", "")
        # The generic backend follows the setting; the named subclasses are what they say.
        self.kind = kind or (configured if type(self) is WebhookBackend else "") or self.kind
        self.timeout = timeout

    def plan(self, messages: Sequence[Message]) -> list[tuple[Message, str]]:
        """One message for the whole batch, to the group chat."""
        if not self.url or not messages:
            return []
        lines = [f"- {m.name or m.user_id}：{m.title}" for m in messages[:MAX_LINES]]
        if len(messages) > MAX_LINES:
            lines.append(f"- …… 共 {len(messages)} 条")
        return [(Message(user_id=None, title=TITLE, body="\n".join(lines)), self.url)]

    def deliver(self, message: Message, *, address: str, key: str) -> None:
        lines = message.body.splitlines()
        self.post(build_payload(self.kind, message.title, lines), url=address, key=key)

    def send(self, messages: Sequence[Message]) -> None:
        """Post the batch now (raises on refusal: there is one address, the group's)."""
        for message, address in self.plan(messages):
            self.deliver(message, address=address, key="")

    def post(self, payload: dict, *, url: str | None = None, key: str = "") -> dict:
        url = url or self.url
        if not url.startswith(("http://", "https://")):
            raise WebhookError(f"webhook URL must be http(s): {url}")
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if key:
            headers["Idempotency-Key"] = key
        data = json.dumps(payload, ensure_ascii=False).encode()
        request = urllib.request.Request(url, data=data, headers=headers)  # noqa: S310 - http(s)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            if 400 <= exc.code < 500 and exc.code != 429:
                raise WebhookError(f"webhook refused: HTTP {exc.code}") from exc
            raise WebhookBusy(f"webhook: HTTP {exc.code}") from exc
        except ValueError as exc:  # not JSON, or a malformed URL
            raise WebhookError(f"webhook answered no JSON or bad URL: {exc}") from exc
        # Both services answer HTTP 200 with errcode != 0 on failure.
        errcode = body.get("errcode", 0)
        if errcode in RATE_LIMITED:
            raise WebhookBusy(f"webhook rate-limited: {body}")
        if errcode != 0:
            raise WebhookError(f"webhook refused: {body}")
        return body


class WeComWebhookBackend(WebhookBackend):
    kind = "wecom"


class DingTalkWebhookBackend(WebhookBackend):
    kind = "dingtalk"
