"""Two beats running by mistake: a periodic job sent twice for the same period runs once
(core.periodic). Messages from beat carry the `periodic_task_name` header; the real two-beat
version is test_two_beats.py (worker pass)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from core.models import PeriodicRun
from core.periodic import DAY, QUARTER_HOUR, period_key
from issues.tasks import scan_overdue
from visits.models import CoverageSnapshot
from visits.tasks import coverage_snapshot, send_contact_day_reminders

SH = ZoneInfo("Asia/Shanghai")


def from_beat(task, name, task_id=None, **kwargs):
    return task.apply(kwargs=kwargs, headers={"periodic_task_name": name}, task_id=task_id).get()


def test_period_keys_follow_the_schedule_slot():
    at = dt.datetime(2026, 11, 23, 7, 31, 5, tzinfo=SH)
    assert period_key(QUARTER_HOUR, now=at) == "2026-11-23T07:30:00"
    assert period_key(DAY, now=at) == "2026-11-23T00:00:00"
    assert period_key(QUARTER_HOUR, now=at.replace(minute=44, second=59)) == "2026-11-23T07:30:00"
    assert period_key(QUARTER_HOUR, now=at.replace(minute=45, second=0)) == "2026-11-23T07:45:00"
    assert period_key(DAY, "早晨提醒", now=at) != period_key(DAY, "组长日报", now=at)


@pytest.mark.django_db
def test_the_overdue_scan_sent_twice_in_one_quarter_hour_runs_once():
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, 15, 1, tzinfo=SH), tick=False):
        first = from_beat(scan_overdue, "超期扫描")
        second = from_beat(scan_overdue, "超期扫描")
    assert first == {"flagged": 0, "escalated": 0, "unacknowledged": 0}
    assert second == {"skipped": True, "period": "2026-11-23T10:15:00#" + second["period"][-12:]}
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, 30, 0, tzinfo=SH), tick=False):
        assert "skipped" not in from_beat(scan_overdue, "超期扫描")  # the next period runs
    run = PeriodicRun.objects.filter(task="issues.scan_overdue").order_by("started_at")
    assert [r.period_key[:19] for r in run] == ["2026-11-23T10:15:00", "2026-11-23T10:30:00"]
    assert all(r.finished_at is not None for r in run)


@pytest.mark.django_db
def test_the_monthly_snapshot_sent_twice_the_same_day_runs_once(monkeypatch):
    calls = []
    monkeypatch.setattr(
        "visits.tasks.coverage_snapshot_take", lambda month: calls.append(month) or 0
    )
    with time_machine.travel(dt.datetime(2026, 12, 1, 1, 15, tzinfo=SH), tick=False):
        from_beat(coverage_snapshot, "月度走访覆盖率快照")
    with time_machine.travel(dt.datetime(2026, 12, 1, 1, 15, 3, tzinfo=SH), tick=False):
        assert from_beat(coverage_snapshot, "月度走访覆盖率快照")["skipped"] is True
    assert calls == [dt.date(2026, 11, 30)]
    assert not CoverageSnapshot.objects.exists()


@pytest.mark.django_db
def test_two_schedules_of_the_same_task_are_two_periods():
    with time_machine.travel(dt.datetime(2026, 11, 23, 7, 30, tzinfo=SH), tick=False):
        a = from_beat(send_contact_day_reminders, "提前及当天", kinds=["morning"])
        b = from_beat(send_contact_day_reminders, "组长日报", kinds=["digest"])
        c = from_beat(send_contact_day_reminders, "组长日报", kinds=["digest"])
    assert "skipped" not in a and "skipped" not in b and c["skipped"] is True
    assert PeriodicRun.objects.count() == 2


@pytest.mark.django_db
def test_a_retry_of_the_same_message_may_continue_its_run():
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, 15, 1, tzinfo=SH), tick=False):
        from_beat(scan_overdue, "超期扫描", task_id="msg-1")
        again = from_beat(scan_overdue, "超期扫描", task_id="msg-1")  # redelivered / retried
        other = from_beat(scan_overdue, "超期扫描", task_id="msg-2")  # the second beat
    assert "skipped" not in again
    assert other["skipped"] is True


@pytest.mark.django_db
def test_a_call_not_from_beat_always_runs():
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, 15, 1, tzinfo=SH), tick=False):
        assert "skipped" not in scan_overdue.apply().get()
        assert "skipped" not in scan_overdue.apply().get()
    assert not PeriodicRun.objects.exists()
