"""Forms of the visit diary, contact days and campaigns."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from visits.models import ContactDay, SituationTag, Visit, VisitCampaign
from visits.services import contact_day_validate


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class VisitForm(forms.Form):
    household = forms.IntegerField(widget=forms.HiddenInput, label=_("走访户"))
    visited_on = forms.DateField(
        label=_("走访日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    kind = forms.ChoiceField(label=_("走访方式"), choices=Visit.Kind.choices)
    met_with = forms.CharField(label=_("接待人"), max_length=64, required=False)
    notes = forms.CharField(
        label=_("走访情况"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    follow_up = forms.CharField(
        label=_("后续跟进"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    tags = forms.MultipleChoiceField(
        label=_("情况标签"),
        choices=SituationTag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    photos = MultipleFileField(
        label=_("照片（可选，JPG/PNG，每张不超过 5 MB）"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    raise_issue = forms.BooleanField(label=_("从本次走访登记群众诉求"), required=False)
    issue_description = forms.CharField(
        label=_("诉求内容"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    issue_urgency = forms.ChoiceField(
        label=_("紧急程度"),
        choices=[("normal", _("一般")), ("urgent", _("紧急（安全、水电气热）"))],
        required=False,
        initial="normal",
    )

    def __init__(self, *args, allow_issue: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.allow_issue = allow_issue
        if not allow_issue:
            for name in ("raise_issue", "issue_description", "issue_urgency"):
                del self.fields[name]
        self.fields["visited_on"].initial = timezone.localdate()

    def clean_visited_on(self):
        value = self.cleaned_data["visited_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("走访日期不能晚于今天。"))
        return value

    def clean(self):
        data = super().clean()
        if data.get("raise_issue") and not (data.get("issue_description") or "").strip():
            self.add_error("issue_description", _("请填写诉求内容。"))
        return data

    def issue_data(self) -> dict | None:
        if not self.allow_issue or not self.cleaned_data.get("raise_issue"):
            return None
        return {
            "description": self.cleaned_data["issue_description"].strip(),
            "urgency": self.cleaned_data.get("issue_urgency") or "normal",
        }


class VisitEditForm(forms.Form):
    visited_on = forms.DateField(
        label=_("走访日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    kind = forms.ChoiceField(label=_("走访方式"), choices=Visit.Kind.choices)
    met_with = forms.CharField(label=_("接待人"), max_length=64, required=False)
    notes = forms.CharField(label=_("走访情况"), widget=forms.Textarea(attrs={"rows": 4}))
    follow_up = forms.CharField(
        label=_("后续跟进"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    tags = forms.MultipleChoiceField(
        label=_("情况标签"),
        choices=SituationTag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class CorrectionForm(forms.Form):
    text = forms.CharField(
        label=_("更正说明"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class ContactDayForm(forms.ModelForm):
    class Meta:
        model = ContactDay
        fields = ["year", "month", "date", "reason"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}

    def clean(self):
        data = super().clean()
        try:
            contact_day_validate(month=data.get("month"))
        except ValidationError as error:
            self.add_error(None, error)
        return data


class CampaignForm(forms.ModelForm):
    class Meta:
        model = VisitCampaign
        fields = ["name", "start_date", "end_date", "note"]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def clean(self):
        data = super().clean()
        if (
            data.get("start_date")
            and data.get("end_date")
            and data["end_date"] < data["start_date"]
        ):
            self.add_error("end_date", _("结束日期不能早于开始日期。"))
        return data
