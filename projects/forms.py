"""Forms of the project pages: input shaping only; the rules are in services / access."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from committees.models import Department
from core.widgets import ISODateInput
from issues.models import ReplyChannel

from . import access

MONTH_FORMAT = "%Y-%m"


class MonthField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "month", "class": "form-control"})
    input_formats = [MONTH_FORMAT]

    def prepare_value(self, value):
        return value.strftime(MONTH_FORMAT) if isinstance(value, dt.date) else value


class DemandFilterForm(forms.Form):
    month = MonthField(label=_("月份"), required=False)
    committee = forms.ModelChoiceField(
        label=_("专门委员会"), queryset=None, required=False, empty_label=_("全部"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )  # fmt: skip
    village = forms.ModelChoiceField(
        label=_("村（社区）"), queryset=None, required=False, empty_label=_("全部"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )  # fmt: skip

    def __init__(self, *args, committees, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["committee"].queryset = committees
        self.fields["village"].queryset = villages


class ProjectForm(forms.Form):
    title = forms.CharField(label=_("题目"), max_length=120)
    summary = forms.CharField(
        label=_("承诺事项"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    owner_committee = forms.ModelChoiceField(label=_("牵头专委会"), queryset=None)
    lead_department = forms.ModelChoiceField(
        label=_("主责部门"), queryset=Department.objects.filter(is_active=True), required=False
    )
    progress = forms.IntegerField(label=_("进度（%）"), min_value=0, max_value=100, initial=0)
    issues = forms.ModelMultipleChoiceField(
        label=_("关联诉求"), queryset=None, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, user, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_committee"].queryset = access.committees_ownable_by(user)
        self.fields["issues"].queryset = candidates
        self.fields["issues"].label_from_instance = lambda i: f"#{i.pk} {i.description[:40]}"
        for name, field in self.fields.items():
            if name != "issues":
                css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
                field.widget.attrs.setdefault("class", css)


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("节点"), max_length=120, required=False)
    due_date = forms.DateField(label=_("承诺日期"), required=False, widget=ISODateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")

    def clean(self):
        data = super().clean()
        if bool(data.get("title")) != bool(data.get("due_date")):
            raise forms.ValidationError(_("节点名称和承诺日期要一起填写。"))
        return data


MilestoneFormSet = forms.formset_factory(MilestoneForm, extra=3, max_num=12)


class ProgressForm(forms.Form):
    progress = forms.IntegerField(
        label=_("进度（%）"), min_value=0, max_value=100,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )  # fmt: skip
    note = forms.CharField(
        label=_("说明"), required=False, max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )  # fmt: skip


class DeliverForm(forms.Form):
    reply_text = forms.CharField(
        label=_("给群众的答复"), max_length=3900,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )  # fmt: skip
    channel = forms.ChoiceField(
        label=_("回复方式"), choices=ReplyChannel.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )  # fmt: skip
