"""Admins build the satisfaction questionnaires here (questions inline); answers are read-only."""

from django.contrib import admin

from dashboard.models import (
    IssueMonthChoiceStat,
    IssueMonthStat,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
)
from liaison.admin_scope import (
    AppendOnlyAdmin,
    PolicyScopedAdmin,
    Scope,
    ScopedTabularInline,
    register_scopes,
    rows_within,
    township_rows,
)


class SurveyQuestionInline(ScopedTabularInline):
    model = SurveyQuestion
    extra = 3
    fields = ["order", "text", "kind", "required"]


@admin.register(Survey)
class SurveyAdmin(PolicyScopedAdmin):
    list_display = ["title", "township", "start_date", "end_date", "is_active"]
    list_filter = ["township", "is_active"]
    search_fields = ["title"]
    inlines = [SurveyQuestionInline]


class SurveyAnswerInline(ScopedTabularInline):
    model = SurveyAnswer
    extra = 0
    fields = ["question", "choice", "text"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SurveyResponse)
class SurveyResponseAdmin(PolicyScopedAdmin):
    list_display = ["survey", "household", "cadre", "channel", "answered_on"]
    list_filter = ["survey", "channel"]
    readonly_fields = [
        "survey",
        "household",
        "cadre",
        "channel",
        "respondent",
        "answered_on",
        "created_by",
        "created_at",
    ]
    inlines = [SurveyAnswerInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SurveyQuestion)
class SurveyQuestionAdmin(PolicyScopedAdmin):
    list_display = ["survey", "order", "text", "kind", "required"]
    list_filter = ["survey", "kind"]
    search_fields = ["text"]


@admin.register(SurveyAnswer)
class SurveyAnswerAdmin(PolicyScopedAdmin):
    list_display = ["response", "question", "choice"]
    list_filter = ["question__survey", "choice"]
    search_fields = ["text"]
    readonly_fields = ["response", "question", "choice", "text"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyRollupAdmin(AppendOnlyAdmin):
    """The roll-up behind the dashboard (dashboard/rollup.py): rebuilt every quarter hour,
    never edited by hand."""

    list_filter = ["township", "month", "delta"]


@admin.register(IssueMonthStat)
class IssueMonthStatAdmin(ReadOnlyRollupAdmin):
    list_display = ["month", "day", "township", "committee", "village", "total", "open",
                    "closed", "delta"]  # fmt: skip
    list_select_related = ["township", "committee", "village"]


@admin.register(IssueMonthChoiceStat)
class IssueMonthChoiceStatAdmin(ReadOnlyRollupAdmin):
    list_display = ["month", "day", "township", "committee", "dimension", "value", "total",
                    "open", "delta"]  # fmt: skip
    list_select_related = ["township", "committee"]


# Surveys and the roll-up: the township's own.
_surveys = township_rows("dashboard.Survey")
register_scopes(
    {
        "dashboard.survey": Scope(_surveys),
        "dashboard.surveyquestion": Scope(
            rows_within("dashboard.SurveyQuestion", "survey", _surveys)
        ),
        "dashboard.surveyresponse": Scope(
            rows_within("dashboard.SurveyResponse", "survey", _surveys)
        ),
        "dashboard.surveyanswer": Scope(
            rows_within("dashboard.SurveyAnswer", "response__survey", _surveys)
        ),
        "dashboard.issuemonthstat": Scope(township_rows("dashboard.IssueMonthStat")),
        "dashboard.issuemonthchoicestat": Scope(township_rows("dashboard.IssueMonthChoiceStat")),
    }
)
