"""Issue alerts on every channel (issue 16): the bell and one e-mail per recipient, recorded in
one transaction and sent after it; a second send with the same key adds nothing anywhere."""

import pytest
from django.test import override_settings

from core.models import Delivery, Notification
from issues.alerts import alert_send, recipients
from issues.models import IssueAlert

pytestmark = pytest.mark.django_db
INAPP_EMAIL = ["core.notifications.inapp.InAppBackend", "core.notifications.email.EmailBackend"]


@override_settings(NOTIFICATION_BACKENDS=INAPP_EMAIL)
def test_an_alert_rings_each_bell_and_mails_each_recipient_once(world, new_issue, mailoutbox):
    issue = new_issue()
    issue.committee = world.committee  # triaged: the committee's members are told
    issue.save(update_fields=["committee"])
    kind = IssueAlert.Kind.OVERDUE
    people = list(recipients(issue, kind))
    assert people, "the issue's handlers and committee are told"
    for user in people:
        if not user.email:
            user.email = f"{user.username}@example.cn"
            user.save(update_fields=["email"])
    bells_before = Notification.objects.count()

    assert alert_send(issue=issue, kind=kind, key="overdue:test") == len(people)
    assert alert_send(issue=issue, kind=kind, key="overdue:test") == 0

    assert Notification.objects.count() - bells_before == len(people)
    assert sorted(m.to[0] for m in mailoutbox) == sorted(u.email for u in people)
    rows = Delivery.objects.filter(batch="alert:overdue:test")
    assert set(rows.values_list("state", flat=True)) == {"sent"}
    assert rows.count() == len(people)
