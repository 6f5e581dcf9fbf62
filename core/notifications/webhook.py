"""Group-robot webhooks of WeChat Work (企业微信) and DingTalk (钉钉): one markdown message per
batch to the township's work group chat. Configured with NOTIFICATION_WEBHOOK_URL and
NOTIFICATION_WEBHOOK_KIND ("wecom" or "dingtalk")."""

from __future__ import annotations

import json
import logging
import urllib.request
from collections.abc import Sequence

from django.conf import settings

from core.notifications.base import Backend, Message

log = logging.getLogger(__name__)
MAX_LINES = 40


class WebhookError(RuntimeError):
    pass


def build_payload(kind: str, title: str, lines: list[str]) -> dict:
    text = "\n".join([f"### {title}", *lines])
    if kind == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    return {"msgtype": "markdown", "markdown": {"content": text}}


class WebhookBackend(Backend):
    name = "webhook"
    kind = "wecom"

    def __init__(self, url: str | None = None, kind: str | None = None, timeout: float = 5.0):
        self.url = url if url is not None else getattr(settings, "NOTIFICATION_WEBHOOK_URL", "")
        configured = getattr(settings, "NOTIFICATION_WEBHOOK_KIND", "")
        # The generic backend follows the setting; the named subclasses are what they say.
        self.kind = kind or (configured if type(self) is WebhookBackend else "") or self.kind
        self.timeout = timeout

    def send(self, messages: Sequence[Message]) -> None:
        if not self.url or not messages:
            return
        lines = [f"- {m.name or m.user_id}：{m.title}" for m in messages[:MAX_LINES]]
        if len(messages) > MAX_LINES:
            lines.append(f"- …… 共 {len(messages)} 条")
        payload = build_payload(self.kind, "联系群众日提醒", lines)
        self.post(payload)

    def post(self, payload: dict) -> dict:
        data = json.dumps(payload, ensure_ascii=False).encode()
        request = urllib.request.Request(  # noqa: S310 - URL comes from settings, http(s) only
            self.url, data=data, headers={"Content-Type": "application/json; charset=utf-8"}
        )
        if not self.url.startswith(("http://", "https://")):
            raise WebhookError(f"webhook URL must be http(s): {self.url}")
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
            body = json.loads(response.read() or b"{}")
        # Both services answer HTTP 200 with errcode != 0 on failure.
        if body.get("errcode", 0) != 0:
            raise WebhookError(f"webhook refused: {body}")
        return body


class WeComWebhookBackend(WebhookBackend):
    kind = "wecom"


class DingTalkWebhookBackend(WebhookBackend):
    kind = "dingtalk"
