"""The period filter of the dashboards, the assessment filter and the survey answer form."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.params import SearchTermField
from dashboard.access import villages_in, workgroups_in
from dashboard.assessment import parse_sort
from dashboard.models import (
    SATISFACTION_CHOICES,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
)
from dashboard.periods import Period, month_period, quarter_period, year_period

MAX_CUSTOM_DAYS = 366 * 5

# The month picker's names, one msgid each ("11月" / "November"); a format string filled at import
# time would be frozen in the language the server started in.
MONTH_NAMES = [
    pgettext_lazy("month", "1月"),
    pgettext_lazy("month", "2月"),
    pgettext_lazy("month", "3月"),
    pgettext_lazy("month", "4月"),
    pgettext_lazy("month", "5月"),
    pgettext_lazy("month", "6月"),
    pgettext_lazy("month", "7月"),
    pgettext_lazy("month", "8月"),
    pgettext_lazy("month", "9月"),
    pgettext_lazy("month", "10月"),
    pgettext_lazy("month", "11月"),
    pgettext_lazy("month", "12月"),
]


def _quarter_name(quarter: int) -> str:
    return gettext("第%(q)d季度") % {"q": quarter}


quarter_name = lazy(_quarter_name, str)  # translated when rendered, in the reader's language


class PeriodForm(forms.Form):
    KINDS = [
        ("month", _("月度")),
        ("quarter", _("季度")),
        ("year", _("年度")),
        ("custom", _("自定义")),
    ]
    period = forms.ChoiceField(label=_("统计周期"), choices=KINDS, required=False)
    year = forms.IntegerField(label=_("年"), min_value=2000, max_value=2100, required=False)
    month = forms.TypedChoiceField(
        label=_("月"),
        coerce=int,
        required=False,
        choices=list(enumerate(MONTH_NAMES, 1)),
    )
    quarter = forms.TypedChoiceField(
        label=pgettext_lazy("统计周期", "季度"),
        coerce=int,
        required=False,
        choices=[(q, quarter_name(q)) for q in range(1, 5)],
    )
    start = forms.DateField(
        label=_("开始日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=_("结束日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, today: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        for name, field in self.fields.items():
            css = (
                "form-select form-select-sm"
                if name in ("period", "month", "quarter")
                else ("form-control form-control-sm")
            )
            field.widget.attrs.setdefault("class", css)
        self.fields["period"].initial = "month"
        self.fields["year"].initial = self.today.year
        self.fields["month"].initial = self.today.month
        self.fields["quarter"].initial = (self.today.month - 1) // 3 + 1

    def clean(self):
        data = super().clean()
        if data.get("period") == "custom":
            start, end = data.get("start"), data.get("end")
            if not start or not end:
                raise forms.ValidationError(_("自定义周期需要填写开始日期和结束日期。"))
            if end < start:
                raise forms.ValidationError(_("结束日期不能早于开始日期。"))
            if (end - start).days > MAX_CUSTOM_DAYS:
                raise forms.ValidationError(_("自定义周期不能超过五年。"))
        return data

    def default_period(self) -> Period:
        return month_period(self.today.year, self.today.month)

    def get_period(self) -> Period:
        """The chosen period; the current month when nothing (or something invalid) is chosen."""
        if not self.is_bound or not self.is_valid():
            return self.default_period()
        data = self.cleaned_data
        kind = data.get("period") or "month"
        year = data.get("year") or self.today.year
        if kind == "custom":
            return Period(data["start"], data["end"], "custom")
        if kind == "year":
            return year_period(year)
        if kind == "quarter":
            return quarter_period(year, data.get("quarter") or (self.today.month - 1) // 3 + 1)
        return month_period(year, data.get("month") or self.today.month)


def period_form(params, *, today: dt.date | None = None) -> tuple[PeriodForm, Period]:
    form = PeriodForm(params if params.get("period") else None, today=today)
    return form, form.get_period()


def period_params(period: Period) -> dict[str, str]:
    """GET parameters that select `period` again (links, exports, the printable report)."""
    params = {"period": period.kind, "year": str(period.start.year)}
    if period.kind == "month":
        params["month"] = str(period.start.month)
    elif period.kind == "quarter":
        params["quarter"] = str((period.start.month - 1) // 3 + 1)
    elif period.kind == "custom":
        params = {
            "period": "custom",
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        }
    return params


class AssessmentFilterForm(forms.Form):
    """The assessment table's filters and sort, within the reader's scope. An invalid value
    drops that filter only (the others still apply) and says so."""

    village = forms.ModelChoiceField(label=_("村（社区）"), queryset=None, required=False)
    workgroup = forms.ModelChoiceField(label=_("工作组"), queryset=None, required=False)
    q = SearchTermField(label=_("姓名"), max_length=32)
    # a column key, "-" first for the other way; anything else sorts by the default order
    sort = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages_in(scope).order_by("code", "name")
        self.fields["workgroup"].queryset = workgroups_in(scope).order_by("name")
        self.fields["village"].empty_label = _("全部")
        self.fields["workgroup"].empty_label = _("全部")
        self.fields["q"].widget.attrs["placeholder"] = _("按姓名搜索")
        for name in ("village", "workgroup"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["q"].widget.attrs["class"] = "form-control form-control-sm"

    def filters(self) -> dict:
        """The valid filters as keyword arguments of dashboard.assessment."""
        self.is_valid()
        data = self.cleaned_data
        village, group = data.get("village"), data.get("workgroup")
        return {
            "village_id": village.pk if village else None,
            "workgroup_id": group.pk if group else None,
            "q": data.get("q") or "",
            "sort": data.get("sort") if parse_sort(data.get("sort"))[0] else None,
        }


class SurveyAnswerForm(forms.Form):
    """A household (one of the cadre's own), how it was asked, and one field per question."""

    household = forms.ModelChoiceField(label=_("住户"), queryset=None)
    channel = forms.ChoiceField(label=_("方式"))
    respondent = forms.CharField(label=_("受访人"), max_length=32, required=False)
    answered_on = forms.DateField(
        label=_("回访日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, questions, households, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        self.fields["household"].queryset = households
        self.fields["household"].label_from_instance = lambda h: f"{h.code} {h.head_name}"
        self.fields["channel"].choices = SurveyResponse.Channel.choices
        self.fields["answered_on"].initial = timezone.localdate()
        labels = dict(SurveyAnswer.Choice.choices)
        for q in questions:
            name = f"q{q.pk}"
            if q.kind == SurveyQuestion.Kind.TEXT:
                self.fields[name] = forms.CharField(
                    label=q.text,
                    required=q.required,
                    max_length=500,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )
                continue
            values = (
                SATISFACTION_CHOICES
                if q.kind == SurveyQuestion.Kind.SATISFACTION
                else [SurveyAnswer.Choice.YES, SurveyAnswer.Choice.NO]
            )
            self.fields[name] = forms.ChoiceField(
                label=q.text,
                required=q.required,
                choices=[(v, labels[v]) for v in values],
                widget=forms.RadioSelect,
            )
        for field in self.fields.values():
            if isinstance(field.widget, forms.RadioSelect):
                field.widget.attrs["class"] = "form-check-input"
            else:
                css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
                field.widget.attrs.setdefault("class", css)

    def clean_answered_on(self):
        day = self.cleaned_data["answered_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("回访日期不能晚于今天。"))
        return day

    def question_fields(self):
        return [self[f"q{q.pk}"] for q in self.questions]

    def answers(self) -> dict:
        result = {}
        for q in self.questions:
            value = self.cleaned_data.get(f"q{q.pk}") or ""
            if q.kind == SurveyQuestion.Kind.TEXT:
                result[q.pk] = ("", value)
            else:
                result[q.pk] = (value, "")
        return result
