"""Admin of the 1+15+N organisation: townships, villages, work groups, liaison units, cadres, pairings."""

from django.contrib import admin

# The platform's records and the user pages (core knows no township; the policy lives here).
from liaison import admin_platform as _admin_platform  # noqa: F401

# Django's, DRF's, django-otp's, axes' and beat's admin pages, put behind the policy too.
from liaison import admin_system as _admin_system  # noqa: F401
from liaison import admin_users as _admin_users  # noqa: F401
from liaison.admin_scope import PolicyScopedAdmin, is_operator
from liaison.models import Cadre, LiaisonUnit, Pairing, Township, Village, WorkGroup


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
class CadreAdmin(_admin_users.CadreDeactivationAdmin, PolicyScopedAdmin):
    list_display = ["name", "phone", "title", "workgroup", "village", "township", "is_active"]
    list_filter = ["township", "workgroup", "is_active"]
    search_fields = ["name", "phone", "user__username"]
    autocomplete_fields = ["user", "workgroup", "village"]
    list_select_related = ["workgroup", "village", "township"]

    def has_delete_permission(self, request, obj=None):
        return False  # a cadre's visits and pairings stay theirs: take them off duty (停用) instead


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
