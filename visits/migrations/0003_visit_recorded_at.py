"""Visit.recorded_at: when the cadre wrote the entry; the 24-hour edit window runs from it.

Rows already there get it only if the diary logged them (an audit CREATE row exists) less than
24 hours ago: they stay editable for the rest of their window. Every other row (the demo
seeder's, older entries) keeps it empty and is locked, as it already was or should have been."""

import datetime as dt

from django.db import migrations, models
from django.utils import timezone


def still_editable_entries(apps, schema_editor):
    Visit = apps.get_model("visits", "Visit")
    AuditEntry = apps.get_model("core", "AuditEntry")
    recent = Visit.objects.filter(created_at__gt=timezone.now() - dt.timedelta(hours=24))
    for visit in recent.only("pk", "created_at"):
        logged = AuditEntry.objects.filter(
            action="create",
            object_type__in=["visits.visit", "liaison.visit"],
            object_id=str(visit.pk),
        ).exists()
        if logged:
            Visit.objects.filter(pk=visit.pk).update(recorded_at=visit.created_at)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_sweep_imports_schedule"),
        ("visits", "0002_offline_receipt"),
    ]

    operations = [
        migrations.AddField(
            model_name="visit",
            name="recorded_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="填写时间"
            ),
        ),
        migrations.RunPython(still_editable_entries, migrations.RunPython.noop),
    ]
