"""Forms of the resident's pages without an account: the status look-up and the rating."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .codes import normalise_tracking_code
from .forms import bootstrap
from .models import Satisfaction


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("查询号"), max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "LX-XXXXXXXX", "autocomplete": "off"}),
    )  # fmt: skip
    last4 = forms.CharField(
        label=_("手机号后四位"), min_length=4, max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap(self)

    def clean_code(self):
        code = normalise_tracking_code(self.cleaned_data["code"])
        if not code:
            raise forms.ValidationError(_("查询号格式不对，应为 LX- 加 8 位字母或数字。"))
        return code

    def clean_last4(self):
        value = self.cleaned_data["last4"].strip()
        if not value.isdigit():
            raise forms.ValidationError(_("请填写 4 位数字。"))
        return value


class ResidentRateForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label=_("您对办理结果是否满意？"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("您的意见（不满意时必填）"), max_length=1000, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap(self)

    def clean(self):
        data = super().clean()
        if data.get("satisfaction") == Satisfaction.UNSATISFIED and not data.get("comment"):
            self.add_error("comment", _("请告诉我们哪里不满意，以便重新办理。"))
        return data
