from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IssuesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "issues"
    verbose_name = _("群众诉求")

    def ready(self):
        # Imported here because models must be loaded first (Django's app registry).
        from households.access import register_household_readers
        from households.extensions import register_household_panel
        from issues.access import issue_household_ids_for
        from issues.selectors import household_issues

        register_household_readers(issue_household_ids_for)
        register_household_panel("issues", household_issues)
