from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from issues.access import issues_visible_to
from liaison.admin_scope import (
    AppendOnlyAdmin,
    PolicyScopedAdmin,
    Scope,
    ScopedTabularInline,
    register_scopes,
    rows_within,
    shared,
)

from .models import Attachment, CalendarDay, Issue, IssueAlert, IssueEvent, IssueSettings
from .transitions import TransitionNotAllowed
from .workflow import issue_transition


class EventInline(ScopedTabularInline):
    model = IssueEvent
    extra = 0
    can_delete = False
    fields = ["at", "actor", "action", "from_status", "to_status", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the timeline is append-only


@admin.action(description=_("归档（已回访且“六有”齐全的诉求）"))
def archive_selected(modeladmin, request, queryset):
    done = 0
    for issue in queryset:
        try:
            issue_transition(issue=issue, action="archive", actor=request.user)
            done += 1
        except (TransitionNotAllowed, PermissionDenied, ValidationError) as exc:
            messages.warning(request, f"#{issue.pk}: {exc}")
    messages.info(request, _("已归档 %(n)d 件。") % {"n": done})


@admin.register(Issue)
class IssueAdmin(PolicyScopedAdmin):
    """Status and routing are read-only here: they change only through the workflow."""

    list_display = ["pk", "description", "status", "committee", "level", "village", "is_overdue"]
    list_filter = ["township", "status", "level", "committee", "is_overdue", "source"]
    search_fields = ["description", "reporter_name", "household__code"]
    readonly_fields = [
        f.name
        for f in Issue._meta.get_fields()
        if getattr(f, "concrete", False)
        and f.name not in ("description", "location", "reporter_name", "reporter_phone")
    ]
    inlines = [EventInline]
    actions = [archive_selected]

    def has_add_permission(self, request):
        return False  # issues are recorded through the intake service (with their first event)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CalendarDay)
class CalendarDayAdmin(PolicyScopedAdmin):
    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["name"]


@admin.register(IssueSettings)
class IssueSettingsAdmin(PolicyScopedAdmin):
    """One settings row for the deployment (shared scope): the operator changes it."""

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not IssueSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IssueAlert)
class IssueAlertAdmin(PolicyScopedAdmin):
    list_display = ["created_at", "recipient", "kind", "message", "read_at"]
    list_filter = ["kind"]


@admin.register(Attachment)
class AttachmentAdmin(PolicyScopedAdmin):
    list_display = ["original_name", "issue", "content_type", "size", "uploaded_at"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IssueEvent)
class IssueEventAdmin(AppendOnlyAdmin):
    """The timeline is append-only: searchable here, never edited."""

    list_display = ["at", "issue", "actor", "action", "from_status", "to_status"]
    list_filter = ["action", "to_status"]
    search_fields = ["note", "issue__description", "actor__username"]
    date_hierarchy = "at"
    list_select_related = ["issue", "actor"]
    readonly_fields = [f.name for f in IssueEvent._meta.fields]


# The admin's rows come from the issues policy (liaison.admin_scope.PolicyScopedAdmin).
register_scopes(
    {
        "issues.issue": Scope(issues_visible_to),
        "issues.issueevent": Scope(rows_within("issues.IssueEvent", "issue", issues_visible_to)),
        "issues.attachment": Scope(rows_within("issues.Attachment", "issue", issues_visible_to)),
        "issues.issuealert": Scope(rows_within("issues.IssueAlert", "issue", issues_visible_to)),
        "issues.calendarday": shared("issues.CalendarDay"),
        "issues.issuesettings": shared("issues.IssueSettings"),
    }
)
