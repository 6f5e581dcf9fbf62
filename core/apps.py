from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = _("平台")

    def ready(self) -> None:
        # Registering checks and signal receivers is what ready() is for (not a model module).
        from core.security import checks, signals  # noqa: F401
