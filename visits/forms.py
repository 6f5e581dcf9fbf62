"""Forms of the visit diary, contact days and campaigns."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.widgets import ISODateInput
from visits.contact_day import contact_day_holiday_check
from visits.models import ContactDay, SituationTag, Visit, VisitCampaign
from visits.services import contact_day_validate, visit_validate_date


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
    visited_on = forms.DateField(label=_("走访日期"), widget=ISODateInput)
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
        # The date rule of every door; its pairing part runs in visit_log, once the household
        # has been loaded through the access policy.
        value = self.cleaned_data["visited_on"]
        try:
            visit_validate_date(visited_on=value)
        except ValidationError as error:
            raise forms.ValidationError(error.message_dict["visited_on"]) from None
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
    visited_on = forms.DateField(label=_("走访日期"), widget=ISODateInput)
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

    def __init__(self, *args, visit: Visit, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "visited_on": visit.visited_on,
                "kind": visit.kind,
                "met_with": visit.met_with,
                "notes": visit.notes,
                "follow_up": visit.follow_up,
                "tags": visit.tag_list,
            },
        )
        super().__init__(*args, **kwargs)
        self.visit = visit

    def clean_visited_on(self):
        # A date left as it was stays valid; a new one passes the rule of every door.
        value = self.cleaned_data["visited_on"]
        if value != self.visit.visited_on:
            try:
                visit_validate_date(
                    visited_on=value, cadre=self.visit.cadre, household=self.visit.household
                )
            except ValidationError as error:
                raise forms.ValidationError(error.message_dict["visited_on"]) from None
        return value


class CorrectionForm(forms.Form):
    text = forms.CharField(
        label=_("更正说明"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class ContactDayForm(forms.ModelForm):
    """A month's contact day moved (the page, and the admin's subclass). A day off (holiday) is
    refused with the proposed working day unless confirmed (visits.contact_day)."""

    confirm_holiday = forms.BooleanField(label=_("仍在节假日开展"), required=False)

    class Meta:
        model = ContactDay
        fields = ["year", "month", "date", "reason"]
        widgets = {"date": ISODateInput}

    def __init__(self, *args, township=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.township = township

    def clean(self):
        data = super().clean()
        township = data.get("township") or self.township
        try:
            contact_day_validate(month=data.get("month"))
            contact_day_holiday_check(
                date=data.get("date"),
                township=township or getattr(self.instance, "township", None),
                confirmed=bool(data.get("confirm_holiday")),
            )
        except ValidationError as error:
            self.add_error(None, error)
        return data


class CampaignForm(forms.ModelForm):
    class Meta:
        model = VisitCampaign
        fields = ["name", "start_date", "end_date", "note"]
        widgets = {
            "start_date": ISODateInput,
            "end_date": ISODateInput,
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
