from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "visits"
    verbose_name = _("走访")

    def ready(self):
        # Imported here: the app registry must be ready before models are imported.
        from households.extensions import register_household_filter, register_household_panel
        from visits.home import household_log_visit_url
        from visits.selectors import household_visits, households_not_visited_this_month

        register_household_panel("visits", household_visits)
        register_household_panel("log_visit_url", household_log_visit_url)
        register_household_filter("not_visited", households_not_visited_this_month)
