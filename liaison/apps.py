from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class LiaisonConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "liaison"
    verbose_name = _("联系服务")

    def ready(self) -> None:
        # Imported here: the app registry must be ready before models are imported.
        from core.security.rules import register_role_names

        from . import roles
        from .access import roles_of

        register_role_names(lambda user: {role.value for role in roles_of(user)})
        # Models added by later migrations get their permissions granted to the roles too.
        post_migrate.connect(roles.sync_roles_after_migrate, dispatch_uid="lianxin-sync-roles")
