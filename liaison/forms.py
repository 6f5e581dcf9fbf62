""""""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from liaison.models import Cadre


class PairingAssignForm(forms.Form):
    cadre = forms.ModelChoiceField(label=_("联系干部"), queryset=Cadre.objects.none())
    households = forms.CharField(required=False, widget=forms.HiddenInput)
    by_filter = forms.BooleanField(required=False, label=_("分配当前筛选出的全部住户"))

    def __init__(self, *args, cadres=None, **kwargs):
        super().__init__(*args, **kwargs)
        if cadres is not None:
            self.fields["cadre"].queryset = cadres
