"""Forms of the issue pages. They shape input; validation of transitions lives in
issues.fields and the workflow, so the API and the UI give the same errors."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from committees.models import Committee, Department
from core.params import SearchTermField, parse_id
from core.widgets import ISODateInput, QuickSelect
from households.identity import normalise_phone
from liaison.models import Cadre, Village, WorkGroup

from .models import Level, ReplyChannel, Satisfaction, Source, Status, Urgency
from .readtime import overdue_q
from .transitions import ContactChannel


def bootstrap(form) -> None:
    """Bootstrap classes on every widget (no template tag library needed)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.RadioSelect | forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs.setdefault("class", css)


STAFF_SOURCES = [(k, v) for k, v in Source.choices if k not in (Source.SELF_REPORT, Source.API)]


class IntakeForm(forms.Form):
    household = forms.CharField(label=_("住户"), required=False)
    reporter_name = forms.CharField(label=_("反映人"), max_length=32, required=False)
    reporter_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    description = forms.CharField(
        label=_("诉求内容"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    location = forms.CharField(label=_("地点"), max_length=128, required=False)
    urgency = forms.ChoiceField(
        label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL
    )
    source = forms.ChoiceField(label=_("来源"), choices=STAFF_SOURCES, initial=Source.WALK_IN)
    attachment = forms.FileField(label=_("附件（照片或文件）"), required=False)
    confirm_new = forms.BooleanField(label=_("已核对相似诉求，仍然登记为新诉求"), required=False)

    SELECT_LIMIT = 200  # beyond this many households, search (issues/household_search.py)

    def __init__(self, *args, households, **kwargs):
        super().__init__(*args, **kwargs)
        self.households = households
        self.by_search = households.count() > self.SELECT_LIMIT
        self.picked = None  # the household chosen so far, shown beside the search box
        field = self.fields["household"]
        if self.by_search:
            field.widget = forms.HiddenInput()
            chosen = parse_id(
                str(self.data.get("household") or self.initial.get("household") or "")
            )
            self.picked = households.filter(pk=chosen).first() if chosen else None
        else:
            choices = [("", "---------")] + [
                (h.pk, f"{h.code} {h.head_name}")
                for h in households.values_list("pk", "code", "head_name", named=True)
            ]
            field.widget = forms.Select(choices=choices)
        bootstrap(self)

    def clean_household(self):
        value = (self.cleaned_data.get("household") or "").strip()
        if not value:
            return None
        pk = parse_id(value)
        found = list(self.households.filter(pk=pk)[:1]) if pk else []
        if len(found) != 1:
            raise forms.ValidationError(_("找不到该住户，或不在您的联系范围内。"))
        return found[0]


class SelfReportForm(forms.Form):
    """The resident's own report through the QR code on the contact card (no login)."""

    reporter_name = forms.CharField(label=_("您的称呼"), max_length=32)
    reporter_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    description = forms.CharField(
        label=_("您反映的问题或需求"), min_length=5, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )  # fmt: skip
    location = forms.CharField(label=_("地点（选填）"), max_length=128, required=False)
    urgent = forms.BooleanField(label=_("涉及安全或水、电、气、暖，需要紧急处理"), required=False)
    answer = forms.IntegerField(label=_("验证"), min_value=0, max_value=99)
    started = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap(self)

    def clean_reporter_phone(self):
        raw = self.cleaned_data["reporter_phone"].strip()
        if not raw:
            return ""
        try:
            return normalise_phone(raw)
        except Exception:
            raise forms.ValidationError(_("请填写正确的手机号或固定电话。")) from None


class ActionForm(forms.Form):
    """The fields a transition needs, named as in issues.fields; built from the table."""

    committee = forms.ModelChoiceField(label=_("专门委员会"), queryset=Committee.objects.none())
    level = forms.ChoiceField(label=_("办理层级"), choices=Level.choices)
    village = forms.ModelChoiceField(label=_("村（社区）"), queryset=Village.objects.none())
    department = forms.ModelChoiceField(label=_("区级部门"), queryset=Department.objects.none())
    handler = forms.ModelChoiceField(label=_("承办人"), queryset=Cadre.objects.none())
    into = forms.IntegerField(label=_("合并到诉求编号"), min_value=1)
    note = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}))
    contacted = forms.BooleanField(label=_("已联系群众"))
    contact_channel = forms.ChoiceField(label=_("联系方式"), choices=ContactChannel.choices)
    contacted_at = forms.DateTimeField(
        label=_("联系时间（不填为现在）"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    result = forms.CharField(label=_("办理结果"), widget=forms.Textarea(attrs={"rows": 3}))
    explanation = forms.CharField(label=_("解释说明"), widget=forms.Textarea(attrs={"rows": 3}))
    channel = forms.ChoiceField(label=_("回复方式"), choices=ReplyChannel.choices)
    reply_text = forms.CharField(label=_("回复内容"), widget=forms.Textarea(attrs={"rows": 3}))
    satisfaction = forms.ChoiceField(
        label=_("满意度"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(label=_("群众意见"), widget=forms.Textarea(attrs={"rows": 2}))
    attachment = forms.FileField(label=_("附件（照片或文件，选填）"), required=False)

    def __init__(self, *args, transition, issue, **kwargs):
        kwargs.setdefault("prefix", transition.action)
        super().__init__(*args, **kwargs)
        self.transition = transition
        for name in list(self.fields):
            if name == "attachment":
                continue
            if name not in transition.fields:
                del self.fields[name]
            else:
                self.fields[name].required = name in transition.required
        _limit_choices(self.fields, issue)
        bootstrap(self)

    def data_for_service(self) -> dict:
        """Raw values for the workflow (which does the real validation)."""
        return {
            name: self.data.get(self.add_prefix(name))
            for name in self.fields
            if name != "attachment"
        }

    def upload(self):
        return self.files.get(self.add_prefix("attachment")) if self.files else None


def _limit_choices(fields, issue) -> None:
    if "committee" in fields:
        fields["committee"].queryset = Committee.objects.filter(
            township_id=issue.township_id, is_active=True
        )
    if "village" in fields:
        fields["village"].queryset = Village.objects.filter(township_id=issue.township_id)
        if issue.household_id:
            fields["village"].initial = issue.household.village_id
    if "department" in fields:
        fields["department"].queryset = Department.objects.filter(is_active=True)
    if "handler" in fields:
        fields["handler"].queryset = Cadre.objects.filter(
            township_id=issue.township_id, is_active=True, user__groups__name="village_handler"
        ).distinct()


class BulkTriageForm(forms.Form):
    committee = forms.ModelChoiceField(
        label=_("专门委员会"), queryset=Committee.objects.none(), widget=QuickSelect
    )
    level = forms.ChoiceField(
        label=_("办理层级"), choices=Level.choices, initial=Level.VILLAGE, widget=QuickSelect
    )
    department = forms.ModelChoiceField(
        label=_("区级部门"),
        queryset=Department.objects.filter(is_active=True),
        required=False,
        widget=QuickSelect,
    )

    def __init__(self, *args, township_id, **kwargs):
        super().__init__(*args, **kwargs)
        qs = Committee.objects.filter(is_active=True)
        if township_id is not None:
            qs = qs.filter(township_id=township_id)
        self.fields["committee"].queryset = qs
        bootstrap(self)


class IssueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部"))] + Status.choices,
        widget=QuickSelect,
    )
    committee = forms.ModelChoiceField(
        label=_("委员会"), required=False, queryset=Committee.objects.none(), widget=QuickSelect
    )
    level = forms.ChoiceField(
        label=_("层级"),
        required=False,
        choices=[("", _("全部"))] + Level.choices,
        widget=QuickSelect,
    )
    village = forms.ModelChoiceField(
        label=_("村（社区）"), required=False, queryset=Village.objects.none(), widget=QuickSelect
    )
    workgroup = forms.ModelChoiceField(
        label=_("工作组"), required=False, queryset=WorkGroup.objects.none(), widget=QuickSelect
    )
    source = forms.ChoiceField(
        label=_("来源"),
        required=False,
        choices=[("", _("全部"))] + Source.choices,
        widget=QuickSelect,
    )
    overdue = forms.BooleanField(label=_("仅超期未办结"), required=False)
    date_from = forms.DateField(label=_("登记起"), required=False, widget=ISODateInput)
    date_to = forms.DateField(label=_("登记止"), required=False, widget=ISODateInput)
    q = SearchTermField(label=_("关键词"), max_length=50)

    def __init__(self, *args, township_id, **kwargs):
        super().__init__(*args, **kwargs)
        committees, villages = Committee.objects.all(), Village.objects.all()
        workgroups = WorkGroup.objects.all()
        if township_id is not None:
            committees = committees.filter(township_id=township_id)
            villages = villages.filter(township_id=township_id)
            workgroups = workgroups.filter(township_id=township_id)
        self.fields["committee"].queryset = committees
        self.fields["village"].queryset = villages
        self.fields["workgroup"].queryset = workgroups
        bootstrap(self)

    def apply(self, qs):
        if not self.is_valid():
            return qs.exclude(status=Status.MERGED)
        data = self.cleaned_data
        if not data.get("status"):
            # Merged duplicates count nowhere (as in the rates); ask for 已合并 to see them.
            qs = qs.exclude(status=Status.MERGED)
        for name in ("status", "level", "source"):
            if data.get(name):
                qs = qs.filter(**{name: data[name]})
        if data.get("committee"):
            qs = qs.filter(committee=data["committee"])
        if data.get("village"):
            qs = qs.filter(village=data["village"])
        if data.get("workgroup"):
            qs = qs.filter(village__workgroups=data["workgroup"])
        if data.get("overdue"):
            # As on the dashboard: open and past a limit now (read time, issues/readtime.py).
            qs = qs.filter(overdue_q())
        if data.get("date_from"):
            qs = qs.filter(reported_at__date__gte=data["date_from"])
        if data.get("date_to"):
            qs = qs.filter(reported_at__date__lte=data["date_to"])
        if data.get("q"):
            qs = qs.filter(description__icontains=data["q"])
        return qs
