"""Seed the working-day calendar (2026 as published by the State Council; 2027's statutory days,
to be checked against the official notice with its make-up days), the default time limits,
and the periodic overdue scan for django-celery-beat."""

import datetime as dt

from django.db import migrations

HOLIDAY, WORKDAY = "holiday", "workday"


def _span(start, end, name):
    day = dt.date.fromisoformat(start)
    last = dt.date.fromisoformat(end)
    while day <= last:
        yield day, HOLIDAY, name
        day += dt.timedelta(days=1)


def calendar_rows():
    # 国务院办公厅关于2026年部分节假日安排的通知
    yield from _span("2026-01-01", "2026-01-03", "元旦")
    yield dt.date(2026, 1, 4), WORKDAY, "元旦调休上班"
    yield from _span("2026-02-15", "2026-02-23", "春节")
    yield dt.date(2026, 2, 14), WORKDAY, "春节调休上班"
    yield dt.date(2026, 2, 28), WORKDAY, "春节调休上班"
    yield from _span("2026-04-04", "2026-04-06", "清明节")
    yield from _span("2026-05-01", "2026-05-05", "劳动节")
    yield dt.date(2026, 5, 9), WORKDAY, "劳动节调休上班"
    yield from _span("2026-06-19", "2026-06-21", "端午节")
    yield from _span("2026-09-25", "2026-09-27", "中秋节")
    yield from _span("2026-10-01", "2026-10-07", "国庆节")
    yield dt.date(2026, 9, 20), WORKDAY, "国庆节调休上班"
    yield dt.date(2026, 10, 10), WORKDAY, "国庆节调休上班"
    # 2027: statutory days only (待国务院公布全年安排后由管理员补充调休)
    yield dt.date(2027, 1, 1), HOLIDAY, "元旦（待核对）"
    yield from _span("2027-02-05", "2027-02-08", "春节（待核对）")
    yield dt.date(2027, 4, 5), HOLIDAY, "清明节（待核对）"
    yield from _span("2027-05-01", "2027-05-02", "劳动节（待核对）")
    yield dt.date(2027, 6, 9), HOLIDAY, "端午节（待核对）"
    yield dt.date(2027, 9, 15), HOLIDAY, "中秋节（待核对）"
    yield from _span("2027-10-01", "2027-10-03", "国庆节（待核对）")


def seed(apps, schema_editor):
    CalendarDay = apps.get_model("issues", "CalendarDay")
    IssueSettings = apps.get_model("issues", "IssueSettings")
    for day, kind, name in calendar_rows():
        CalendarDay.objects.get_or_create(date=day, defaults={"kind": kind, "name": name})
    if not IssueSettings.objects.exists():
        IssueSettings.objects.create()
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute="*/15",
        hour="*",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Asia/Shanghai",
    )
    PeriodicTask.objects.get_or_create(
        name="诉求超期扫描",
        defaults={"task": "issues.scan_overdue", "crontab": schedule, "enabled": True},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("issues", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
