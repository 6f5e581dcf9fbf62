"""Create the seven role groups with their model permissions (see liaison/roles.py)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def create_role_groups(apps, schema_editor):
    from liaison.roles import sync_role_groups

    # Permissions are normally created after all migrations (post_migrate); make them now so
    # the groups can hold them on a fresh database.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_role_groups(apps)


def remove_role_groups(apps, schema_editor):
    from liaison.roles import Role

    apps.get_model("auth", "Group").objects.filter(name__in=Role.values).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("liaison", "0001_initial"),
        ("households", "0002_initial"),
        ("committees", "0002_initial"),
    ]

    operations = [migrations.RunPython(create_role_groups, remove_role_groups)]
