"""Admin of visits, contact days, campaigns, reminders and coverage."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from core.widgets import ISODateInput
from liaison.admin_platform import ReadOnlyAdmin
from liaison.admin_scope import (
    PolicyScopedAdmin,
    Scope,
    ScopedTabularInline,
    register_scopes,
    rows_within,
    township_rows,
)
from visits.access import may_edit_visit, visits_visible_to
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
from visits.services import contact_day_move, visit_update, visit_validate_date


class ReadOnlyInline(ScopedTabularInline):
    """Photos and corrections are added through the diary's services (upload checks, audit)."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class VisitPhotoInline(ReadOnlyInline):
    model = VisitPhoto
    fields = ["image", "content_type", "size", "uploaded_at"]
    readonly_fields = ["content_type", "size", "uploaded_at"]


class VisitNoteInline(ReadOnlyInline):
    model = VisitNote
    fields = ["author", "text", "created_at"]
    readonly_fields = ["author", "created_at"]


class VisitAdminForm(forms.ModelForm):
    """The fields the diary lets its author change, with the date rule of every door."""

    class Meta:
        model = Visit
        fields = ["visited_on", "kind", "met_with", "notes", "follow_up"]
        widgets = {"visited_on": ISODateInput}

    def clean_visited_on(self):
        value = self.cleaned_data["visited_on"]
        if value != self.instance.visited_on:
            try:
                visit_validate_date(
                    visited_on=value, cadre=self.instance.cadre, household=self.instance.household
                )
            except ValidationError as error:
                raise forms.ValidationError(error.message_dict["visited_on"]) from None
        return value


@admin.register(Visit)
class VisitAdmin(PolicyScopedAdmin):
    """Visits are written in the diary by the visiting cadre (page, API, offline sync), never
    added here; a change goes through `visit_update`, so only the author changes an entry, only
    within 24 hours of writing it, and a new date passes the date rule. Anyone else reads it."""

    form = VisitAdminForm
    inlines = [VisitPhotoInline, VisitNoteInline]
    list_display = ["visited_on", "cadre", "household", "kind", "met_with"]
    list_filter = ["kind", ("visited_on", admin.DateFieldListFilter), "cadre__workgroup"]
    search_fields = ["cadre__name", "household__code", "household__head_name", "notes"]
    readonly_fields = ["cadre", "household", "situation_tags", "recorded_at", "created_at"]
    list_select_related = ["cadre", "household"]
    date_hierarchy = "visited_on"

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and not may_edit_visit(request.user, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        visit_update(
            actor=request.user, visit=Visit.objects.get(pk=obj.pk), request=request, **changes
        )


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
