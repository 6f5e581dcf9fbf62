"""Admin pages of the platform's records (audit, notifications, outbox, account security), behind
the organisation's policy: core knows no township, so its admin pages are registered here."""

from django.contrib import admin
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import (
    AccountSecurity,
    AuditEntry,
    Delivery,
    Notification,
    OutboxMessage,
    PeriodicRun,
)
from core.outbox import outbox_relay
from core.security.audit_export import audit_entries_export
from liaison.access import users_manageable_by
from liaison.admin_scope import AppendOnlyAdmin, PolicyScopedAdmin


class ReadOnlyAdmin(AppendOnlyAdmin):
    """Records the system writes (deliveries, snapshots, notes, import history): looked at, never
    edited here; rows scoped by the policy like every other admin."""


@admin.register(AuditEntry)
class AuditEntryAdmin(AppendOnlyAdmin):
    """The audit trail is append-only: searchable and exportable here, never edited."""

    list_display = ["at", "actor", "action", "object_type", "object_id", "summary", "ip_address"]
    list_filter = ["action", "object_type", ("at", admin.DateFieldListFilter)]
    search_fields = ["summary", "object_type", "object_id", "actor__username", "ip_address"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEntry._meta.fields]
    actions = ["export_xlsx"]

    @admin.action(description=_("导出所选审计日志（Excel）"), permissions=["view"])
    def export_xlsx(self, request, queryset):
        content = audit_entries_export(queryset=queryset, actor=request.user, request=request)
        response = HttpResponse(
            content,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        name = f"audit-{timezone.localdate():%Y%m%d}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def get_model_perms(self, request):
        perms = super().get_model_perms(request)
        perms["view"] = request.user.has_perm("core.view_auditentry")
        return perms


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "kind", "title", "read_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "recipient__username"]
    date_hierarchy = "created_at"


@admin.register(AccountSecurity)
class AccountSecurityAdmin(PolicyScopedAdmin):
    list_display = ["user", "must_change_password", "password_changed_at"]
    list_filter = ["must_change_password"]
    search_fields = ["user__username"]
    readonly_fields = ["user", "password_changed_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or users_manageable_by(request.user).filter(pk=obj.user_id).exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["pk", "task", "key", "created_at", "sent_at", "attempts", "last_error"]
    list_filter = ["task", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["task", "key"]
    date_hierarchy = "created_at"
    actions = ["relay_pending"]

    @admin.action(description=_("立即发送所有待发送任务"))
    def relay_pending(self, request, queryset):
        result = outbox_relay()
        self.message_user(
            request,
            _("已发送 %(sent)d 条，失败 %(failed)d 条，仍待发送 %(pending)d 条。") % result,
        )


@admin.register(PeriodicRun)
class PeriodicRunAdmin(ReadOnlyAdmin):
    list_display = ["task", "period_key", "task_id", "started_at", "finished_at"]
    list_filter = ["task"]
    search_fields = ["task", "period_key"]
    date_hierarchy = "started_at"


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """Each reminder or alert per recipient and external channel: sent, waiting or failed with
    the reason (a refused address, an unreachable webhook). Written by core.delivery only."""

    list_display = ["created_at", "channel", "recipient", "address", "state", "attempts", "sent_at"]
    list_filter = ["state", "channel", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["address", "recipient__username", "source", "last_error"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Delivery._meta.fields]
