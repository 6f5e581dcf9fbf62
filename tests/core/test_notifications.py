"""The notification backends: in-app (the bell), SMS stub, and group webhooks against a local
fake HTTP server on 127.0.0.1."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse

from core import notifications
from core.models import Notification
from core.notifications.sms import LoggingSmsBackend
from core.notifications.webhook import (
    DingTalkWebhookBackend,
    WebhookBackend,
    WebhookError,
    WeComWebhookBackend,
)


class FakeRobot(BaseHTTPRequestHandler):
    received: list = []
    answer = {"errcode": 0, "errmsg": "ok"}

    def do_POST(self):  # noqa: N802 - http.server's name
        length = int(self.headers["Content-Length"])
        FakeRobot.received.append(
            {
                "path": self.path,
                "ctype": self.headers["Content-Type"],
                "body": json.loads(self.rfile.read(length)),
            }
        )
        body = json.dumps(FakeRobot.answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def robot():
    FakeRobot.received = []
    FakeRobot.answer = {"errcode": 0, "errmsg": "ok"}
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeRobot)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def messages(n=2):
    return [
        notifications.Message(
            user_id=i + 1, title=f"您还有 {i + 1} 户未走访", body="…", name=f"干部{i}"
        )
        for i in range(n)
    ]


def test_wecom_webhook_posts_one_markdown_message(robot):
    WeComWebhookBackend(url=f"{robot}/cgi-bin/webhook/send?key=k").send(messages())
    [hit] = FakeRobot.received
    assert hit["path"] == "/cgi-bin/webhook/send?key=k"
    assert hit["ctype"].startswith("application/json")
    assert hit["body"]["msgtype"] == "markdown"
    content = hit["body"]["markdown"]["content"]
    assert "干部0：您还有 1 户未走访" in content and "干部1：您还有 2 户未走访" in content


def test_dingtalk_webhook_has_title_and_text(robot):
    DingTalkWebhookBackend(url=f"{robot}/robot/send?access_token=t").send(messages(1))
    body = FakeRobot.received[0]["body"]
    assert body["markdown"]["title"] == "联系群众日提醒"
    assert "干部0" in body["markdown"]["text"]


def test_webhook_refusal_raises_so_the_task_retries(robot):
    FakeRobot.answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
    with pytest.raises(WebhookError, match="93000"):
        WebhookBackend(url=robot, kind="wecom").send(messages())


def test_webhook_refuses_non_http_urls():
    with pytest.raises(WebhookError):
        WebhookBackend(url="file:///etc/passwd").send(messages())


def test_webhook_without_url_is_silent():
    WebhookBackend(url="").send(messages())  # nothing configured: nothing sent, no error


def test_backends_are_chosen_by_settings(robot, settings, make_user):
    settings.NOTIFICATION_BACKENDS = [
        "core.notifications.inapp.InAppBackend",
        "core.notifications.sms.LoggingSmsBackend",
        "core.notifications.webhook.WebhookBackend",
    ]
    settings.NOTIFICATION_WEBHOOK_KIND = "dingtalk"
    settings.NOTIFICATION_WEBHOOK_URL = robot
    user = make_user()
    LoggingSmsBackend.sent.clear()
    chosen = notifications.backends()
    assert [b.name for b in chosen] == ["inapp", "sms", "webhook"]
    assert chosen[2].kind == "dingtalk"
    notifications.send(
        [notifications.Message(user_id=user.pk, title="提醒", body="正文", phone="13900000000")]
    )
    assert Notification.objects.get().title == "提醒"
    assert LoggingSmsBackend.sent == [("13900000000", "【连心】提醒")]
    assert len(FakeRobot.received) == 1


def test_bell_shows_unread_count_and_list_marks_read(client, make_user):
    user = make_user()
    other = make_user()
    for i in range(3):
        Notification.objects.create(recipient=user, title=f"通知{i}")
    Notification.objects.create(recipient=other, title="别人的")
    client.force_login(user)
    assert 'data-testid="bell"' in client.get(reverse("home")).content.decode()
    bell = client.get(reverse("liaison:bell")).content.decode()
    assert 'data-testid="bell-count">3<' in bell
    page = client.get(reverse("liaison:notifications")).content.decode()
    assert "通知0" in page and "别人的" not in page
    first = Notification.objects.filter(recipient=user).first()
    client.post(reverse("liaison:notifications-read"), {"pk": first.pk})
    assert 'data-testid="bell-count">2<' in client.get(reverse("liaison:bell")).content.decode()
    client.post(
        reverse("liaison:notifications-read"), {"pk": Notification.objects.get(recipient=other).pk}
    )
    assert Notification.objects.get(recipient=other).read_at is None
    client.post(reverse("liaison:notifications-read"))
    assert "bell-count" not in client.get(reverse("liaison:bell")).content.decode()
