"""Admin of visits, contact days, campaigns, reminders and coverage."""

from django.contrib import admin

from liaison.admin_platform import ReadOnlyAdmin
from liaison.admin_scope import (
    PolicyScopedAdmin,
    Scope,
    ScopedTabularInline,
    register_scopes,
    rows_within,
    township_rows,
)
from visits.access import visits_visible_to
from visits.forms import ContactDayForm
from visits.models import (
    ContactDay,
    CoverageSnapshot,
    ReminderDelivery,
    Visit,
    VisitCampaign,
    VisitNote,
    VisitPhoto,
)
from visits.services import contact_day_move


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


class ContactDayAdminForm(ContactDayForm):
    """The page's form (its checks) with the township, which the page takes from the user."""

    class Meta(ContactDayForm.Meta):
        fields = ["township", "year", "month", "date", "reason"]


@admin.register(ContactDay)
class ContactDayAdmin(PolicyScopedAdmin):
    """A month's contact day moved (a holiday): through the same service as the page, audited
    and for admins only. The month of a saved row is fixed; move another month as a new row."""

    form = ContactDayAdminForm
    list_display = ["township", "year", "month", "date", "reason"]
    list_filter = ["township", "year"]
    search_fields = ["reason"]

    def get_readonly_fields(self, request, obj=None):
        return ["township", "year", "month"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        saved = contact_day_move(
            actor=request.user,
            township=obj.township,
            year=obj.year,
            month=obj.month,
            date=obj.date,
            reason=obj.reason,
            request=request,
        )
        obj.pk = saved.pk


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


# The admin's rows come from the visits policy (liaison.admin_scope.PolicyScopedAdmin).
register_scopes(
    {
        "visits.visit": Scope(visits_visible_to),
        "visits.visitphoto": Scope(rows_within("visits.VisitPhoto", "visit", visits_visible_to)),
        "visits.visitnote": Scope(rows_within("visits.VisitNote", "visit", visits_visible_to)),
        "visits.contactday": Scope(township_rows("visits.ContactDay")),
        "visits.visitcampaign": Scope(township_rows("visits.VisitCampaign")),
        "visits.coveragesnapshot": Scope(township_rows("visits.CoverageSnapshot")),
        "visits.reminderdelivery": Scope(
            township_rows("visits.ReminderDelivery", "cadre__township")
        ),
    }
)
