"""A deactivated cadre gets no reminder: neither when it is computed nor when a reminder computed
before the deactivation is delivered (the reconciler may deliver it many minutes later)."""

import datetime as dt

import pytest

from core.models import Notification
from visits.models import ReminderDelivery
from visits.reminders import reminders_deliver, reminders_enqueue

CONTACT_DAY = dt.date(2025, 5, 7)
pytestmark = pytest.mark.django_db


def test_a_leader_whose_account_is_deactivated_gets_no_digest(group):
    leader = group["leader"]
    leader.user.is_active = False
    leader.user.save(update_fields=["is_active"])
    run = reminders_enqueue(on=CONTACT_DAY + dt.timedelta(days=1), dry_run=True)
    assert run.planned == []


def test_a_cadre_deactivated_after_the_build_is_not_rung(group, django_capture_on_commit_callbacks):
    # given the morning reminders were stored but not yet delivered,
    run = reminders_enqueue(on=CONTACT_DAY)
    assert len(run.pending_ids) == 2
    # when cadre b is deactivated before the delivery task runs,
    group["b"].is_active = False
    group["b"].save(update_fields=["is_active"])
    rang = reminders_deliver(delivery_ids=run.pending_ids)
    # then only a's bell rings, and b's reminder is settled (nothing retries it).
    assert rang == 2
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [group["a"].user_id]
    assert not ReminderDelivery.objects.filter(sent_at__isnull=True).exists()
