from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "projects"
    verbose_name = _("每月一题")

    def ready(self):
        # The admin's scope table lives below us (liaison/admin_scope.py): the projects app
        # declares its models' scopes there from here instead of liaison importing upward.
        from projects.admin import declare_scopes

        declare_scopes()
