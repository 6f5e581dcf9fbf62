"""Contact-day reminders: when they are due, what they say, to whom, exactly once."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from core.delivery import deliveries_due, deliveries_send
from core.models import Delivery, Notification
from core.notifications.email import EmailBackend
from tests.factories import CadreFactory, PairingFactory
from visits.models import CoverageSnapshot, ReminderDelivery, Visit
from visits.reminders import (
    coverage_snapshot_take,
    reminders_deliver,
    reminders_due,
    reminders_enqueue,
)
from visits.tasks import send_contact_day_reminders

CONTACT_DAY = dt.date(2025, 5, 7)  # May 2025 starts on a Thursday: contact day is the 7th
INAPP_AND_EMAIL = [
    "core.notifications.inapp.InAppBackend",
    "core.notifications.email.EmailBackend",
]


def visit(cadre, household, day):
    return Visit.objects.create(cadre=cadre, household=household, visited_on=day, notes="走访")


def test_due_dates_before_morning_and_digest(group):
    township = group["workgroup"].township
    assert reminders_due(on=dt.date(2025, 5, 5), days_before=2) == [
        type(reminders_due(on=CONTACT_DAY)[0])(township, CONTACT_DAY, "before")
    ]
    assert [d.kind for d in reminders_due(on=CONTACT_DAY)] == ["morning"]
    assert [d.kind for d in reminders_due(on=dt.date(2025, 5, 8))] == ["digest"]
    assert reminders_due(on=dt.date(2025, 5, 6), days_before=2) == []
    # A contact day on the 1st is announced in the previous month.
    due = reminders_due(on=dt.date(2024, 12, 30), days_before=2)
    assert [(d.contact_day, d.kind) for d in due] == [(dt.date(2025, 1, 1), "before")]


@override_settings(NOTIFICATION_BACKENDS=INAPP_AND_EMAIL)
def test_reminder_lists_only_unvisited_households_to_their_cadre(
    group, django_capture_on_commit_callbacks
):
    a, b = group["a"], group["b"]
    first, second, third = group["households"]["a"]
    visit(a, first, dt.date(2025, 5, 2))  # visited this month
    visit(a, second, dt.date(2025, 4, 28))  # last month: still to visit
    for household in group["households"]["b"]:
        visit(b, household, dt.date(2025, 5, 3))  # b is done
    with django_capture_on_commit_callbacks(execute=True):
        run = reminders_enqueue(on=CONTACT_DAY)
    assert [r.cadre_id for r in run.planned] == [a.pk]
    note = Notification.objects.get()
    assert note.recipient == a.user
    assert note.kind == Notification.Kind.REMINDER_MORNING
    assert "今天是联系群众日" in note.title and "2 户" in note.title
    assert second.code in note.body and third.code in note.body
    assert first.code not in note.body
    assert [m.to for m in mail.outbox] == [["jia@example.cn"]]
    assert ReminderDelivery.objects.get().sent_at is not None


@override_settings(NOTIFICATION_BACKENDS=INAPP_AND_EMAIL)
def test_running_twice_delivers_once(group, django_capture_on_commit_callbacks):
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            reminders_enqueue(on=dt.date(2025, 5, 5), days_before=2)
    assert ReminderDelivery.objects.count() == 2  # a and b
    assert Notification.objects.count() == 2
    assert len(mail.outbox) == 1  # only a has an address
    # the same delivery task redelivered (acks_late) sends nothing more
    ids = list(ReminderDelivery.objects.values_list("pk", flat=True))
    assert reminders_deliver(delivery_ids=ids) == 0
    assert Notification.objects.count() == 2


class Boom(RuntimeError):
    pass


class FailingBackend(EmailBackend):
    def deliver(self, message, *, address, key):
        raise Boom("SMTP down")


@override_settings(NOTIFICATION_BACKENDS=INAPP_AND_EMAIL)
def test_a_failed_channel_neither_holds_back_the_bell_nor_sends_twice(group, monkeypatch):
    # given reminders stored, when the e-mail channel fails during delivery,
    reminders_enqueue(on=CONTACT_DAY, dry_run=False)  # on_commit not executed: nothing sent yet
    ids = list(ReminderDelivery.objects.values_list("pk", flat=True))
    assert len(ids) == 2
    from core import notifications

    real = notifications.backends()
    monkeypatch.setattr(notifications, "backends", lambda: (real[0], FailingBackend()))
    assert reminders_deliver(delivery_ids=ids) == 2
    # then the bell rang for each and the e-mails wait for a retry, with the reason,
    assert ReminderDelivery.objects.filter(sent_at__isnull=True).count() == 0
    assert Notification.objects.count() == 2
    with_address = [r for r in ReminderDelivery.objects.all() if r.payload["email"]]
    emails = Delivery.objects.filter(channel="email")
    assert emails.count() == len(with_address) >= 1
    assert set(emails.values_list("state", flat=True)) == {"queued"}
    assert all("SMTP down" in e.last_error for e in emails)
    # and a retry once they are due sends each e-mail once, without ringing the bell again.
    monkeypatch.setattr(notifications, "backends", lambda: real)
    emails.update(next_attempt_at=timezone.now())
    assert deliveries_send(deliveries_due()) == {"sent": len(with_address)}
    assert reminders_deliver(delivery_ids=ids) == 0
    assert Notification.objects.count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.payload["email"] for r in with_address)


def test_next_run_picks_up_rows_a_dead_run_left_pending(group, django_capture_on_commit_callbacks):
    reminders_enqueue(on=CONTACT_DAY)  # the "worker died" before delivering
    assert Notification.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        run = reminders_enqueue(on=CONTACT_DAY)
    assert run.inserted == 0 and len(run.pending_ids) == 2
    assert Notification.objects.count() == 2


def test_digest_goes_to_group_leaders_with_coverage_and_laggards(
    group, django_capture_on_commit_callbacks
):
    a, b = group["a"], group["b"]
    visit(a, group["households"]["a"][0], CONTACT_DAY)
    for household in group["households"]["b"]:
        visit(b, household, CONTACT_DAY)
    with django_capture_on_commit_callbacks(execute=True):
        run = reminders_enqueue(on=CONTACT_DAY + dt.timedelta(days=1))
    assert [r.cadre_id for r in run.planned] == [group["leader"].pk]
    note = Notification.objects.get()
    assert note.recipient == group["leader"].user
    assert note.kind == Notification.Kind.DIGEST
    assert "60.0%" in note.title and "3/5" in note.title
    assert "干部甲：1/3" in note.body
    assert "干部乙" not in note.body


def test_reminders_are_computed_with_a_constant_number_of_queries(
    group, django_assert_max_num_queries
):
    def count_queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        ReminderDelivery.objects.all().delete()
        with CaptureQueriesContext(connection) as ctx:
            reminders_enqueue(on=CONTACT_DAY)
        return len(ctx)

    few = count_queries()
    for _ in range(8):  # eight more cadres with three households each
        cadre = CadreFactory(workgroup=group["workgroup"])
        for _ in range(3):
            PairingFactory(cadre=cadre)
    assert count_queries() == few
    ReminderDelivery.objects.all().delete()
    with django_assert_max_num_queries(12):
        run = reminders_enqueue(on=CONTACT_DAY)
    assert len(run.planned) == 10


def test_inactive_cadres_and_other_townships_get_nothing(group):
    group["b"].is_active = False
    group["b"].save()
    PairingFactory()  # a cadre of another township, whose contact day is the same
    run = reminders_enqueue(on=CONTACT_DAY, dry_run=True)
    townships = {r.cadre.township_id for r in run.planned}
    assert group["b"].pk not in [r.cadre_id for r in run.planned]
    assert len(townships) == 2
    assert ReminderDelivery.objects.count() == 0  # dry run writes nothing


def test_task_entry_point(group, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = send_contact_day_reminders.delay(date="2025-05-07", kinds=["morning"]).get()
    assert result == {"date": "2025-05-07", "planned": 2, "pending": 2}
    assert Notification.objects.count() == 2


def test_command_dry_run_shows_and_sends_nothing(group, capsys):
    call_command("send_contact_day_reminders", "--date", "2025-05-07", "--dry-run")
    out = capsys.readouterr().out
    assert "干部甲" in out and "将发送 2 条" in out
    assert ReminderDelivery.objects.count() == 0


def test_command_sends(group, django_capture_on_commit_callbacks):
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_contact_day_reminders", "--date", "2025-05-07")
        assert Notification.objects.count() == 2


def test_command_rejects_a_bad_date(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="有效日期"):
        call_command("send_contact_day_reminders", "--date", "2025-13-01")


def test_command_on_a_quiet_day(group, capsys):
    call_command("send_contact_day_reminders", "--date", "2025-05-20")
    assert "没有到期的提醒" in capsys.readouterr().out


def test_monthly_coverage_snapshot(group):
    visit(group["a"], group["households"]["a"][0], dt.date(2025, 5, 9))
    visit(group["b"], group["households"]["b"][0], dt.date(2025, 6, 1))  # next month
    assert coverage_snapshot_take(month=dt.date(2025, 5, 31)) == 2
    rows = {s.workgroup_id: s for s in CoverageSnapshot.objects.all()}
    assert rows[group["workgroup"].pk].households == 5
    assert rows[group["workgroup"].pk].visited == 1
    assert rows[None].coverage == 20.0
    coverage_snapshot_take(month=dt.date(2025, 5, 1))  # again: replaced, not doubled
    assert CoverageSnapshot.objects.count() == 2


def test_beat_schedules_exist_and_are_editable(db):
    from django_celery_beat.models import PeriodicTask

    tasks = {t.task for t in PeriodicTask.objects.filter(enabled=True)}
    assert {"liaison.send_contact_day_reminders", "liaison.coverage_snapshot"} <= tasks
    reminder = PeriodicTask.objects.get(name="联系群众日提醒（提前及当天早晨）")
    assert reminder.crontab.hour == "7"
    assert '"days_before": 2' in reminder.kwargs
