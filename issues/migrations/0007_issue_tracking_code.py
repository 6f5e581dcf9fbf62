# The resident's tracking number. Added without a default first, so that existing rows keep
# NULL (a callable default would give every existing row the same code and break uniqueness);
# then the default applies to new rows only.

from django.db import migrations, models

import issues.codes


class Migration(migrations.Migration):
    dependencies = [
        ("issues", "0006_moved_models"),
    ]

    operations = [
        migrations.AddField(
            model_name="issue",
            name="tracking_code",
            field=models.CharField(
                blank=True,
                editable=False,
                max_length=16,
                null=True,
                unique=True,
                verbose_name="查询号",
            ),
        ),
        migrations.AlterField(
            model_name="issue",
            name="tracking_code",
            field=models.CharField(
                blank=True,
                default=issues.codes.new_tracking_code,
                editable=False,
                max_length=16,
                null=True,
                unique=True,
                verbose_name="查询号",
            ),
        ),
    ]
