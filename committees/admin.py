from django.contrib import admin

from liaison.admin_scope import (
    PolicyScopedAdmin,
    Scope,
    ScopedTabularInline,
    register_scopes,
    rows_within,
    shared,
    township_rows,
)

from .models import Committee, CommitteeMembership, Department


class MembershipInline(ScopedTabularInline):
    model = CommitteeMembership
    autocomplete_fields = ["cadre"]
    extra = 0


@admin.register(Committee)
class CommitteeAdmin(PolicyScopedAdmin):
    list_display = ["name", "code", "township", "is_active"]
    list_filter = ["township", "is_active"]
    search_fields = ["name", "keywords"]
    inlines = [MembershipInline]


@admin.register(Department)
class DepartmentAdmin(PolicyScopedAdmin):
    """District units shared by every township: changed by the district operator only."""

    list_display = ["name", "district", "phone", "is_active"]
    list_filter = ["district", "is_active"]
    search_fields = ["name"]
    filter_horizontal = ["liaisons"]


@admin.register(CommitteeMembership)
class CommitteeMembershipAdmin(PolicyScopedAdmin):
    list_display = ["committee", "cadre", "is_head"]
    list_filter = ["committee__township", "committee", "is_head"]
    search_fields = ["cadre__name", "committee__name"]
    autocomplete_fields = ["cadre"]
    list_select_related = ["committee", "cadre"]


# The township's committees and their members; the district departments are shared.
_committees = township_rows("committees.Committee")
register_scopes(
    {
        "committees.committee": Scope(_committees),
        "committees.committeemembership": Scope(
            rows_within("committees.CommitteeMembership", "committee", _committees)
        ),
        "committees.department": shared("committees.Department"),
    }
)
