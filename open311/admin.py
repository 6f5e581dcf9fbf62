"""Open311 clients in the admin: the township's own (liaison.admin_scope SCOPES). Saving a new
client, or the 重新生成密钥 action, issues a key through services.client_key_issue and shows it
once; only its hash is kept. Clients are disabled, never deleted (their requests point at them)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from liaison.admin_scope import PolicyScopedAdmin, Scope, register_scopes, township_rows

from .models import ApiClient
from .services import client_key_issue


def _show_key(request, client: ApiClient, key: str) -> None:
    messages.warning(
        request,
        _("%(name)s 的 api_key（只显示这一次，请立即交给接入方）：%(key)s")
        % {"name": client.name, "key": key},
    )


@admin.action(description=_("重新生成密钥（旧密钥立即失效）"))
def rotate_keys(modeladmin, request, queryset):
    for client in queryset:
        _show_key(
            request, client, client_key_issue(client=client, actor=request.user, request=request)
        )


@admin.register(ApiClient)
class ApiClientAdmin(PolicyScopedAdmin):
    list_display = ["name", "township", "channel", "key_prefix", "is_active", "last_used_at"]
    list_filter = ["channel", "is_active"]
    search_fields = ["name"]
    fields = ["township", "name", "channel", "is_active", "key_prefix", "last_used_at"]
    readonly_fields = ["key_prefix", "last_used_at"]
    actions = [rotate_keys]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            _show_key(
                request, obj, client_key_issue(client=obj, actor=request.user, request=request)
            )

    def has_delete_permission(self, request, obj=None):
        return False


# Each township's own clients (the intake lands in that township).
register_scopes({"open311.apiclient": Scope(township_rows("open311.ApiClient"))})
