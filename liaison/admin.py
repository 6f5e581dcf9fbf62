from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import AuditEntry, Cadre, LiaisonUnit, Pairing, Township, Village, Visit, WorkGroup
from .policy import township_id_of


class TownshipScopedAdmin(admin.ModelAdmin):
    """Admin pages show a township user only their own township's rows."""

    township_field = "township"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        township_id = township_id_of(request.user)
        if township_id is None or request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.township_field}_id": township_id})


@admin.register(Township)
class TownshipAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "district", "service_phone", "contact_day_weekday"]
    search_fields = ["name", "code", "district"]


@admin.register(Village)
class VillageAdmin(TownshipScopedAdmin):
    list_display = ["name", "code", "kind", "township", "is_active"]
    list_filter = ["township", "kind", "is_active"]
    search_fields = ["name", "code"]


@admin.register(WorkGroup)
class WorkGroupAdmin(TownshipScopedAdmin):
    list_display = ["name", "village", "leader", "township", "is_active"]
    list_filter = ["township", "is_active"]
    search_fields = ["name", "village__name", "leader__name"]
    autocomplete_fields = ["leader", "village"]


@admin.register(Cadre)
class CadreAdmin(TownshipScopedAdmin):
    list_display = ["name", "phone", "title", "workgroup", "village", "township", "is_active"]
    list_filter = ["township", "workgroup", "is_active"]
    search_fields = ["name", "phone", "user__username"]
    autocomplete_fields = ["user", "workgroup", "village"]
    list_select_related = ["workgroup", "village", "township"]


@admin.register(LiaisonUnit)
class LiaisonUnitAdmin(TownshipScopedAdmin):
    list_display = ["name", "kind", "workgroup", "township"]
    list_filter = ["township", "kind", "workgroup"]
    search_fields = ["name", "note"]
    filter_horizontal = ["members"]


@admin.register(Pairing)
class PairingAdmin(TownshipScopedAdmin):
    township_field = "household__township"
    list_display = ["cadre", "household", "start_date", "end_date"]
    list_filter = [("end_date", admin.EmptyFieldListFilter), "cadre__workgroup"]
    search_fields = ["cadre__name", "household__code", "household__head_name"]
    autocomplete_fields = ["cadre", "household"]
    list_select_related = ["cadre", "household"]
    date_hierarchy = "start_date"

    def has_delete_permission(self, request, obj=None):
        return False  # a household never loses its past: end the pairing instead


@admin.register(AuditEntry)
class AuditEntryAdmin(TownshipScopedAdmin):
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_model_perms(self, request):
        perms = super().get_model_perms(request)
        perms["view"] = request.user.has_perm("liaison.view_auditentry")
        return perms


@admin.register(Visit)
class VisitAdmin(TownshipScopedAdmin):
    township_field = "household__township"
    list_display = ["visited_on", "cadre", "household", "kind", "met_with"]
    list_filter = ["kind", ("visited_on", admin.DateFieldListFilter), "cadre__workgroup"]
    search_fields = ["cadre__name", "household__code", "household__head_name", "notes"]
    autocomplete_fields = ["cadre", "household"]
    list_select_related = ["cadre", "household"]
    date_hierarchy = "visited_on"

    def has_delete_permission(self, request, obj=None):
        return False


from .dashboard import admin as _dashboard_admin  # noqa: E402, F401 - 满意度问卷
from .security import admin as _security_admin  # noqa: E402, F401 - User, 安全策略
