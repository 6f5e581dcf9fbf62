"""Tasks sent before the outbox knew when a worker finished them count as done; the delivery
reconciler runs every five minutes (reminders, alerts and deliveries left behind by a crash or by
a broker that lost its data are sent again from the database)."""

from django.db import migrations
from django.db.models import F

NAME = "补发遗漏的提醒与通知（每 5 分钟）"
TASK = "liaison.reconcile_deliveries"


def forward(apps, schema_editor):
    OutboxMessage = apps.get_model("core", "OutboxMessage")  # noqa: N806
    OutboxMessage.objects.filter(sent_at__isnull=False, done_at__isnull=True).update(
        done_at=F("sent_at")
    )
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")  # noqa: N806
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")  # noqa: N806
    every_five, _ = CrontabSchedule.objects.get_or_create(
        minute="*/5",
        hour="*",
        day_of_month="*",
        month_of_year="*",
        day_of_week="*",
        timezone="Asia/Shanghai",
    )
    PeriodicTask.objects.get_or_create(
        name=NAME, defaults={"task": TASK, "crontab": every_five, "enabled": True}
    )


def backward(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")  # noqa: N806
    PeriodicTask.objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_delivery"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forward, backward)]
