"""Forms of the household edit pages. They shape input with the import's own cleaners
(households.identity, households.roster.cleaning); the writes are in households.services_edit.

Phone and ID numbers are never pre-filled: the form shows the masked value and an empty
"new number" field, so opening a form is not an unaudited reveal.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liaison.models import Cadre, Village

from . import identity
from .models import HelpRecord, Household, Resident, Tag
from .roster import cleaning

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def bootstrap(form) -> None:
    """Bootstrap classes on every widget; checkbox lists are laid out by the template."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
            widget.attrs.setdefault("class", "btn-check")  # toggle buttons, easy to tap
            continue
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs.setdefault("class", css)


class EditForm(forms.Form):
    """Marks a field with an error (from its cleaner or from a service) as invalid."""

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            widget = self.fields[name].widget if name in self.fields else None
            if widget is not None and "is-invalid" not in widget.attrs.get("class", ""):
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                widget.attrs["aria-invalid"] = "true"


class ReplacePhoneMixin:
    """A phone field that is empty unless the number is to change, plus "clear the number"."""

    def setup_phone(self, current: str) -> None:
        field = self.fields["phone"]
        if current:
            field.label = _("新联系电话")
            field.help_text = _("当前号码 %(masked)s；留空则不变。") % {
                "masked": identity.mask_phone(current)
            }
        else:
            del self.fields["clear_phone"]

    def phone_change(self) -> dict:
        """{"phone": ...} when the number changes, else {}."""
        if self.cleaned_data.get("clear_phone"):
            return {"phone": ""}
        if self.cleaned_data.get("phone"):
            return {"phone": self.cleaned_data["phone"]}
        return {}

    def clean_phone(self):
        return identity.normalise_phone(self.cleaned_data.get("phone", ""))


class HouseholdForm(ReplacePhoneMixin, EditForm):
    village = forms.ModelChoiceField(label=_("村（社区）"), queryset=Village.objects.none())
    grid = forms.CharField(label=_("网格"), required=False, max_length=32)
    address = forms.CharField(label=_("详细地址"), max_length=255)
    phone = forms.CharField(label=_("联系电话"), required=False, max_length=32)
    clear_phone = forms.BooleanField(label=_("清除联系电话"), required=False)
    tags = forms.MultipleChoiceField(
        label=_("重点类别（五必访）"),
        choices=Tag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    difficulty = forms.ChoiceField(label=_("困难状况"), choices=Household.Difficulty.choices)
    note = forms.CharField(
        label=_("备注"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, household: Household, villages, **kwargs):
        initial = {
            "village": household.village_id,
            "grid": household.grid,
            "address": household.address,
            "tags": household.tag_list,
            "difficulty": household.difficulty,
            "note": household.note,
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.household = household
        if villages.exists():
            self.fields["village"].queryset = Village.objects.filter(
                Q(pk__in=villages.values("pk")) | Q(pk=household.village_id)
            ).order_by("name")
        else:
            del self.fields["village"]  # a cadre does not move a household between villages
        self.setup_phone(household.phone)
        bootstrap(self)

    def clean_grid(self):
        return cleaning.text(self.cleaned_data["grid"], max_length=32)

    def clean_address(self):
        return cleaning.text(self.cleaned_data["address"], required=True)

    def changes(self) -> dict:
        data = {
            key: self.cleaned_data[key]
            for key in ("village", "grid", "address", "tags", "difficulty", "note")
            if key in self.cleaned_data
        }
        return {**data, **self.phone_change()}


class MemberForm(ReplacePhoneMixin, EditForm):
    name = forms.CharField(label=_("姓名"), max_length=32)
    id_number = forms.CharField(
        label=_("身份证号"),
        required=False,
        max_length=32,
        help_text=_("18位，最后一位可为X；15位旧号码会自动转换为18位。"),
    )
    gender = forms.ChoiceField(
        label=_("性别"),
        required=False,
        choices=[("", _("按身份证号自动识别")), *Resident.Gender.choices],
    )
    is_head = forms.BooleanField(label=_("户主"), required=False)
    relation = forms.ChoiceField(
        label=_("与户主关系"),
        required=False,
        choices=[("", "—"), *[c for c in Resident.Relation.choices if c[0] != "head"]],
        help_text=_("勾选“户主”时不用填写。"),
    )
    phone = forms.CharField(label=_("联系电话"), required=False, max_length=32)
    clear_phone = forms.BooleanField(label=_("清除联系电话"), required=False)
    political_status = forms.ChoiceField(
        label=_("政治面貌"), choices=Resident.Political.choices, initial="masses"
    )

    def __init__(self, *args, resident: Resident | None = None, **kwargs):
        self.resident = resident
        if resident is not None:
            kwargs["initial"] = {
                "name": resident.name,
                "gender": "" if resident.id_number_hmac else resident.gender,
                "is_head": resident.is_head,
                "relation": "" if resident.is_head else resident.relation,
                "political_status": resident.political_status,
            }
        super().__init__(*args, **kwargs)
        if resident is not None and resident.id_number_hmac:
            id_field = self.fields["id_number"]
            id_field.label = _("更换身份证号")
            id_field.help_text = _(
                "当前号码 %(masked)s；只在号码有误时填写新号码，留空则不变。"
            ) % {"masked": resident.masked_id_number}
            self.fields["gender"].disabled = True
            self.fields["gender"].help_text = _("按身份证号识别为“%(g)s”。") % {
                "g": resident.get_gender_display()
            }
        self.setup_phone(resident.phone if resident else "")
        self.converted_legacy = False
        self.parsed_id = None
        bootstrap(self)

    def clean_name(self):
        return cleaning.name(self.cleaned_data["name"])

    def clean_id_number(self):
        value = self.cleaned_data["id_number"]
        if not value.strip():
            return ""
        parsed = identity.parse_id_number(value)
        digits = re.sub(r"[\s\-]", "", identity.normalise_text(value))
        self.converted_legacy = len(digits) == 15
        self.parsed_id = parsed
        return parsed.number

    def clean(self):
        data = super().clean()
        parsed = self.parsed_id
        has_id = parsed is not None or bool(self.resident and self.resident.id_number_hmac)
        if parsed is not None and data.get("gender") and data["gender"] != parsed.gender:
            self.add_error(
                "gender",
                _("性别与身份证号不符：按身份证号应为“%(g)s”。")
                % {"g": Resident.Gender(parsed.gender).label},
            )
        if not has_id and not data.get("gender") and "id_number" not in self.errors:
            self.add_error("gender", _("没有身份证号时请选择性别。"))
        if not data.get("is_head") and not data.get("relation"):
            self.add_error("relation", _("请选择与户主的关系，或勾选“户主”。"))
        return data

    def changes(self) -> dict:
        keys = ("name", "id_number", "gender", "is_head", "relation", "political_status")
        data = {key: self.cleaned_data[key] for key in keys if key in self.cleaned_data}
        if not data.get("id_number"):
            data.pop("id_number", None)
        if data.get("is_head"):
            data["relation"] = Resident.Relation.HEAD
        return {**data, **self.phone_change()}


class MemberStatusForm(EditForm):
    status = forms.ChoiceField(
        label=_("情况"),
        choices=[
            (Resident.Status.MOVED_OUT, _("迁出")),
            (Resident.Status.DECEASED, _("去世")),
        ],
        widget=forms.RadioSelect,
    )
    on_date = forms.DateField(label=_("日期"), widget=DATE_WIDGET)

    def __init__(self, *args, resident: Resident, **kwargs):
        super().__init__(*args, **kwargs)
        self.resident = resident
        self.fields["on_date"].initial = timezone.localdate()
        bootstrap(self)

    def clean_on_date(self):
        value = self.cleaned_data["on_date"]
        if value > timezone.localdate():
            raise ValidationError(_("日期不能晚于今天。"))
        if self.resident.birth_date and value < self.resident.birth_date:
            raise ValidationError(_("日期不能早于该成员的出生日期。"))
        return value


class HelpRecordForm(EditForm):
    cadre = forms.ModelChoiceField(
        label=_("帮扶干部"),
        queryset=Cadre.objects.none(),
        required=False,
        empty_label=_("（非本乡干部，填写下方帮扶人）"),
    )
    helper_name = forms.CharField(
        label=_("其他帮扶人"),
        required=False,
        max_length=64,
        help_text=_("单位或个人，例如驻村企业、爱心人士。"),
    )
    content = forms.CharField(label=_("帮扶内容"), max_length=255)
    helped_on = forms.DateField(label=_("帮扶日期"), widget=DATE_WIDGET)
    amount = forms.DecimalField(
        label=_("金额（元）"),
        required=False,
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0"),
        help_text=_("实物或服务帮扶可不填。"),
    )

    def __init__(self, *args, cadres, record: HelpRecord | None = None, default_cadre=None, **kw):
        if record is not None:
            kw["initial"] = {
                "cadre": record.cadre_id,
                "helper_name": record.helper_name,
                "content": record.content,
                "helped_on": record.helped_on,
                "amount": record.amount,
            }
        super().__init__(*args, **kw)
        self.fields["cadre"].queryset = Cadre.objects.filter(
            Q(pk__in=cadres.values("pk")) | Q(pk=record.cadre_id if record else None)
        ).order_by("name")
        if record is None:
            self.fields["cadre"].initial = default_cadre.pk if default_cadre else None
            self.fields["helped_on"].initial = timezone.localdate()
        bootstrap(self)

    def clean_helper_name(self):
        return cleaning.text(self.cleaned_data["helper_name"], max_length=64)

    def clean_content(self):
        return cleaning.text(self.cleaned_data["content"], required=True)

    def clean_helped_on(self):
        value = self.cleaned_data["helped_on"]
        if value > timezone.localdate():
            raise ValidationError(_("帮扶日期不能晚于今天。"))
        return value

    def clean(self):
        data = super().clean()
        if not data.get("cadre") and not data.get("helper_name"):
            self.add_error("helper_name", _("请选择帮扶干部，或填写其他帮扶人。"))
        return data

    def changes(self) -> dict:
        keys = ("cadre", "helper_name", "content", "helped_on", "amount")
        return {key: self.cleaned_data[key] for key in keys}


class HelpRecordVoidForm(EditForm):
    reason = forms.CharField(
        label=_("作废原因"),
        max_length=255,
        error_messages={"required": _("请填写作废原因。")},
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("记录不会删除，仍显示在本户，但不再计入帮扶统计。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap(self)

    def clean_reason(self):
        return cleaning.text(self.cleaned_data["reason"], required=True)
