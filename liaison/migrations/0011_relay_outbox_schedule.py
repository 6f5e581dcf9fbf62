"""The outbox relay runs every minute: tasks that could not reach Redis go out once it is back."""

from django.db import migrations

NAME = "发送暂存的后台任务（消息队列恢复后）"


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")  # noqa: N806
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")  # noqa: N806
    every_minute, _ = CrontabSchedule.objects.get_or_create(
        minute="*",
        hour="*",
        day_of_month="*",
        month_of_year="*",
        day_of_week="*",
        timezone="Asia/Shanghai",
    )
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={"task": "liaison.relay_outbox", "crontab": every_minute, "enabled": True},
    )


def remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")  # noqa: N806
    PeriodicTask.objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("liaison", "0010_outbox_periodic_run"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
