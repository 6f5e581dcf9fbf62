"""The periodic tasks of the reminders, created once as data so an admin sees and edits them
(django-celery-beat's DatabaseScheduler reads them)."""

import json

from django.db import migrations

TZ = "Asia/Shanghai"
SCHEDULES = [
    # name, task, crontab (minute, hour, day_of_month), kwargs
    (
        "联系群众日提醒（提前及当天早晨）",
        "liaison.send_contact_day_reminders",
        ("30", "7", "*"),
        {"kinds": ["before", "morning"], "days_before": 2},
    ),
    (
        "联系群众日次日组长日报",
        "liaison.send_contact_day_reminders",
        ("0", "9", "*"),
        {"kinds": ["digest"]},
    ),
    ("月度走访覆盖率快照", "liaison.coverage_snapshot", ("15", "1", "1"), {}),
]


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, (minute, hour, day), kwargs in SCHEDULES:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_month=day,
            month_of_year="*",
            day_of_week="*",
            timezone=TZ,
        )
        PeriodicTask.objects.get_or_create(
            name=name,
            defaults={"task": task, "crontab": crontab, "kwargs": json.dumps(kwargs)},
        )


def remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[s[0] for s in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("liaison", "0004_visits_contact_day_reminders"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
