from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from liaison.admin import ReadOnlyAdmin
from liaison.policy import households_visible_to, roster_imports_visible_to

from .models import HelpRecord, Household, Resident, RosterImport, RosterImportChange, Tag


class TagFilter(admin.SimpleListFilter):
    title = _("重点类别")
    parameter_name = "tag"

    def lookups(self, request, model_admin):
        return Tag.choices

    def queryset(self, request, queryset):
        return queryset.with_tag(self.value()) if self.value() else queryset


class ResidentInline(admin.TabularInline):
    model = Resident
    fields = ["name", "gender", "relation", "id_masked", "phone", "political_status", "status"]
    readonly_fields = ["id_masked"]
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ["code", "head_name", "village", "grid", "address", "tags_display", "status"]
    list_filter = ["village__township", "village", "status", "difficulty", TagFilter]
    search_fields = ["code", "head_name", "address", "phone", "grid"]
    list_select_related = ["village"]
    inlines = [ResidentInline]
    autocomplete_fields = ["village"]
    # The changelist links to the import page (upload -> preview -> confirm), which runs the
    # same service as the shell command and the Celery task.
    change_list_template = "households/admin/household_change_list.html"

    def get_queryset(self, request):
        return households_visible_to(request.user).select_related("village")

    @admin.display(description=_("重点类别"))
    def tags_display(self, obj):
        return "、".join(obj.tag_labels)

    def has_delete_permission(self, request, obj=None):
        return False  # residents' data is never hard-deleted: mark the household moved/closed


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin):
    list_display = ["name", "household", "gender", "birth_date", "id_masked", "relation", "status"]
    list_filter = ["status", "gender", "political_status", "relation"]
    search_fields = ["name", "household__code", "id_last4", "phone"]
    readonly_fields = ["id_masked", "birth_date", "gender"]
    exclude = ["id_number_encrypted", "id_number_hmac"]
    autocomplete_fields = ["household"]
    list_select_related = ["household"]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).filter(household__in=households_visible_to(request.user))
        )

    def has_delete_permission(self, request, obj=None):
        return False


class VoidedFilter(admin.SimpleListFilter):
    title = _("作废")
    parameter_name = "voided"

    def lookups(self, request, model_admin):
        return [("no", _("有效")), ("yes", _("已作废"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.valid()
        if self.value() == "yes":
            return queryset.filter(voided_at__isnull=False)
        return queryset


@admin.register(HelpRecord)
class HelpRecordAdmin(admin.ModelAdmin):
    """Voiding is done on the household page (reason, audit); here a voided record is read-only."""

    list_display = [
        "helped_on", "household", "cadre", "helper_name", "content", "amount", "recorded_by",
        "voided_at",
    ]  # fmt: skip
    list_filter = [VoidedFilter]
    search_fields = ["household__code", "household__head_name", "helper_name", "content"]
    autocomplete_fields = ["household", "cadre"]
    list_select_related = ["household", "cadre", "recorded_by"]
    readonly_fields = ["recorded_by", "voided_at", "voided_by", "void_reason"]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).filter(household__in=households_visible_to(request.user))
        )

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_voided:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(RosterImport)
class RosterImportAdmin(ReadOnlyAdmin):
    """The history of roster imports: read-only, one row per upload."""

    list_display = ["created_at", "file_name", "uploaded_by", "status", "error_count"]
    list_filter = ["status"]
    exclude = ["file"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "file"] + ["change_rows_link"]

    @admin.display(description=_("逐行变更"))
    def change_rows_link(self, obj):
        url = reverse("admin:households_rosterimportchange_changelist")
        count = obj.change_rows.count()
        return format_html(
            '<a href="{}?roster_import__id__exact={}">{}</a>', url, obj.pk, f"{count:,}"
        )


@admin.register(RosterImportChange)
class RosterImportChangeAdmin(ReadOnlyAdmin):
    """One import's row changes, filtered by import, sheet and action; read-only."""

    list_display = ["roster_import", "sheet", "row", "action", "key", "fields"]
    list_filter = ["sheet", "action", "roster_import"]
    search_fields = ["key"]
    list_select_related = ["roster_import"]
    show_full_result_count = False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(roster_import__in=roster_imports_visible_to(request.user))
        )
