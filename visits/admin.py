"""Admin of visits, contact days, campaigns, reminders and coverage."""

from django.contrib import admin

from liaison.admin_platform import ReadOnlyAdmin
from liaison.admin_scope import PolicyScopedAdmin, ScopedTabularInline
from visits.models import (
    ContactDay,
    CoverageSnapshot,
    ReminderDelivery,
    Visit,
    VisitCampaign,
    VisitNote,
    VisitPhoto,
)


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
