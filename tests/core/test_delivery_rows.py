"""The set-based insert under the bell and the delivery records (core.notifications.bulk): one
statement for any number of rows, values stored exactly as given, conflicts skipped."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core.delivery import deliveries_create
from core.models import Delivery, Notification
from core.notifications import Message, ring
from tests.factories import UserFactory

INAPP_EMAIL = ["core.notifications.inapp.InAppBackend", "core.notifications.email.EmailBackend"]
TRICKY = 'O\'Brien "引号" \\ 反斜杠\n第二行\t制表 — ✓ %s %(x)s'
pytestmark = pytest.mark.django_db


def messages(user, n):
    return [
        Message(
            user_id=user.pk,
            title=f"{TRICKY} {i}",
            body=TRICKY * 3,
            kind="reminder_morning",
            url="/visits/",
            email=f"c{i}@example.cn",
            name="干部",
        )
        for i in range(n)
    ]


def test_the_bell_and_the_delivery_records_are_one_insert_each_and_keep_every_character(
    settings,
):
    settings.NOTIFICATION_BACKENDS = INAPP_EMAIL
    user = UserFactory()
    for n in (3, 400):  # past SQLite's 999 parameters a statement, where bulk_create splits
        Notification.objects.all().delete()
        sent = messages(user, n)
        items = [(f"test:{n}:{i}", m) for i, m in enumerate(sent)]
        with CaptureQueriesContext(connection) as ctx, transaction.atomic():
            ring(sent)
            deliveries_create(items, batch=f"b{n}")
        inserts = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("INSERT")]
        assert len(inserts) == 2
        assert Notification.objects.count() == n
        note = Notification.objects.order_by("pk").first()
        assert (note.title, note.body, note.kind) == (
            f"{TRICKY} 0"[:128],
            TRICKY * 3,
            "reminder_morning",
        )
        rows = Delivery.objects.filter(batch=f"b{n}").order_by("pk")
        assert [r.payload for r in rows] == [m.as_dict() for m in sent]
        assert rows[0].state == "queued" and rows[0].attempts == 0 and rows[0].last_error == ""
    # the same items again: idempotent by key, nothing doubled
    with transaction.atomic():
        deliveries_create(items, batch="b400")
    assert Delivery.objects.filter(batch="b400").count() == 400
