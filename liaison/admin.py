from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .admin_scope import (
    AppendOnlyAdmin,
    PolicyScopedAdmin,
    ScopedTabularInline,
    is_operator,
)
from .models import (
    AccountSecurity,
    AuditEntry,
    Cadre,
    ContactDay,
    CoverageSnapshot,
    LiaisonUnit,
    Notification,
    Pairing,
    ReminderDelivery,
    Township,
    Village,
    Visit,
    VisitCampaign,
    VisitNote,
    VisitPhoto,
    WorkGroup,
)
from .policy import users_manageable_by


class ReadOnlyAdmin(AppendOnlyAdmin):
    """Records the system writes (deliveries, snapshots, notes, import history): looked at, never
    edited here; rows scoped by the policy like every other admin."""


@admin.register(Township)
class TownshipAdmin(PolicyScopedAdmin):
    """A township admin sees and edits only its own township's row; only the district operator
    (superuser) adds or deletes townships."""

    list_display = ["name", "code", "district", "service_phone", "contact_day_weekday"]
    search_fields = ["name", "code", "district"]

    def has_add_permission(self, request):
        return is_operator(request.user) and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return is_operator(request.user) and super().has_delete_permission(request, obj)


@admin.register(Village)
class VillageAdmin(PolicyScopedAdmin):
    list_display = ["name", "code", "kind", "township", "is_active"]
    list_filter = ["township", "kind", "is_active"]
    search_fields = ["name", "code"]


@admin.register(WorkGroup)
class WorkGroupAdmin(PolicyScopedAdmin):
    list_display = ["name", "village", "leader", "township", "is_active"]
    list_filter = ["township", "is_active"]
    search_fields = ["name", "village__name", "leader__name"]
    autocomplete_fields = ["leader", "village"]


@admin.register(Cadre)
class CadreAdmin(PolicyScopedAdmin):
    list_display = ["name", "phone", "title", "workgroup", "village", "township", "is_active"]
    list_filter = ["township", "workgroup", "is_active"]
    search_fields = ["name", "phone", "user__username"]
    autocomplete_fields = ["user", "workgroup", "village"]
    list_select_related = ["workgroup", "village", "township"]


@admin.register(LiaisonUnit)
class LiaisonUnitAdmin(PolicyScopedAdmin):
    list_display = ["name", "kind", "workgroup", "township"]
    list_filter = ["township", "kind", "workgroup"]
    search_fields = ["name", "note"]
    filter_horizontal = ["members"]


@admin.register(Pairing)
class PairingAdmin(PolicyScopedAdmin):
    list_display = ["cadre", "household", "start_date", "end_date"]
    list_filter = [("end_date", admin.EmptyFieldListFilter), "cadre__workgroup"]
    search_fields = ["cadre__name", "household__code", "household__head_name"]
    autocomplete_fields = ["cadre", "household"]
    list_select_related = ["cadre", "household"]
    date_hierarchy = "start_date"

    def has_delete_permission(self, request, obj=None):
        return False  # a household never loses its past: end the pairing instead


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
        from django.http import HttpResponse
        from django.utils import timezone

        from .security.audit_export import audit_entries_export

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
        perms["view"] = request.user.has_perm("liaison.view_auditentry")
        return perms


class VisitPhotoInline(ScopedTabularInline):
    model = VisitPhoto
    fields = ["image", "content_type", "size", "uploaded_at"]
    readonly_fields = ["content_type", "size", "uploaded_at"]
    extra = 0
    can_delete = False


class VisitNoteInline(ScopedTabularInline):
    model = VisitNote
    fields = ["author", "text", "created_at"]
    readonly_fields = ["author", "created_at"]
    extra = 0
    can_delete = False


@admin.register(Visit)
class VisitAdmin(PolicyScopedAdmin):
    inlines = [VisitPhotoInline, VisitNoteInline]
    list_display = ["visited_on", "cadre", "household", "kind", "met_with"]
    list_filter = ["kind", ("visited_on", admin.DateFieldListFilter), "cadre__workgroup"]
    search_fields = ["cadre__name", "household__code", "household__head_name", "notes"]
    autocomplete_fields = ["cadre", "household"]
    list_select_related = ["cadre", "household"]
    date_hierarchy = "visited_on"

    def has_delete_permission(self, request, obj=None):
        return False


from . import admin_system as _admin_system  # noqa: E402, F401 - Django's and other apps' models
from .dashboard import admin as _dashboard_admin  # noqa: E402, F401 - 满意度问卷
from .security import admin as _security_admin  # noqa: E402, F401 - User, 安全策略


@admin.register(ContactDay)
class ContactDayAdmin(PolicyScopedAdmin):
    list_display = ["township", "year", "month", "date", "reason"]
    list_filter = ["township", "year"]
    search_fields = ["reason"]


@admin.register(VisitCampaign)
class VisitCampaignAdmin(PolicyScopedAdmin):
    list_display = ["name", "township", "start_date", "end_date"]
    list_filter = ["township"]
    search_fields = ["name", "note"]
    date_hierarchy = "start_date"


@admin.register(VisitPhoto)
class VisitPhotoAdmin(ReadOnlyAdmin):
    list_display = ["visit", "content_type", "size", "uploaded_at"]
    list_select_related = ["visit__cadre", "visit__household"]


@admin.register(VisitNote)
class VisitNoteAdmin(ReadOnlyAdmin):
    list_display = ["visit", "author", "created_at"]
    search_fields = ["text"]
    list_select_related = ["visit__cadre", "visit__household", "author"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "kind", "title", "read_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "recipient__username"]
    date_hierarchy = "created_at"


@admin.register(ReminderDelivery)
class ReminderDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["contact_day", "kind", "cadre", "created_at", "sent_at"]
    list_filter = ["kind", "contact_day", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["cadre__name", "cadre__phone"]
    list_select_related = ["cadre"]


@admin.register(CoverageSnapshot)
class CoverageSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["month", "township", "workgroup", "households", "visited"]
    list_filter = ["township", "month"]
    list_select_related = ["township", "workgroup"]


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


# --- Reliability: the task outbox and the once-per-period run keys (read-only) -----------------
from .models_reliability import OutboxMessage, PeriodicRun  # noqa: E402


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["pk", "task", "key", "created_at", "sent_at", "attempts", "last_error"]
    list_filter = ["task", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["task", "key"]
    date_hierarchy = "created_at"
    actions = ["relay_pending"]

    @admin.action(description=_("立即发送所有待发送任务"))
    def relay_pending(self, request, queryset):
        from .outbox import outbox_relay

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
