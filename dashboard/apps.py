from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard"
    verbose_name = _("统计看板")

    def ready(self) -> None:
        # every report and transition records its delta in the roll-up (dashboard/rollup.py)
        from dashboard.rollup import issue_stats_record
        from issues.workflow import register_issue_change_listener

        register_issue_change_listener(issue_stats_record)
