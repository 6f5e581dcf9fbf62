from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class LiaisonConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "liaison"
    verbose_name = _("联系服务")

    def ready(self) -> None:
        from . import roles

        # Models added by later migrations get their permissions granted to the roles too.
        post_migrate.connect(roles.sync_roles_after_migrate, dispatch_uid="lianxin-sync-roles")
