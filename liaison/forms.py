"""Forms of the organisation pages: bulk pairing and taking a cadre off duty."""

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


class CadreDeactivateForm(forms.Form):
    """停用干部: whom the households go to (optional; none leaves them unpaired for the group
    leader to re-pair). The choices are `liaison.accounts.cadre_successors_for`."""

    successor = forms.ModelChoiceField(
        label=_("接替干部（结对户交接给）"),
        queryset=Cadre.objects.none(),
        required=False,
        empty_label=_("不指定：列为未结对户，由组长重新结对"),
    )

    def __init__(self, *args, successors=None, **kwargs):
        super().__init__(*args, **kwargs)
        if successors is not None:
            self.fields["successor"].queryset = successors
        self.fields["successor"].label_from_instance = _successor_label


def _successor_label(cadre: Cadre) -> str:
    load = getattr(cadre, "load", None)
    parts = [cadre.name, cadre.workgroup.name if cadre.workgroup_id else ""]
    text = " · ".join(p for p in parts if p)
    return f"{text}（{_('现联系 %(n)s 户') % {'n': load}}）" if load is not None else text
