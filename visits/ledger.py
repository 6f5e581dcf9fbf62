"""The visit ledger (走访台账) as .xlsx: one row per visit, in the reader's scope, audited.

The rows are chosen by `VisitLedgerForm` (period, village, work group, visit kind) inside
`visits_visible_to`, the same for the page (visits.ledger_views) and the command
(manage.py export_ledger visits --user ... --filter ...); the audit row names the filter."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.ledger_pages import filters_used
from core.security.export_trail import export_audit
from core.widgets import ISODateInput
from core.xlsx import write_workbook
from liaison.access import township_id_of
from liaison.models import Village, WorkGroup
from visits.access import may_export_visits, visits_visible_to
from visits.models import Visit

HEADERS = [
    "走访日期", "村（社区）", "户编号", "户主姓名", "详细地址", "走访干部", "工作组",
    "走访方式", "接待人", "走访情况", "情况标签", "后续跟进", "更正说明", "记录时间",
]  # fmt: skip


class VisitLedgerForm(forms.Form):
    date_from = forms.DateField(label=gettext_lazy("走访起"), required=False, widget=ISODateInput)
    date_to = forms.DateField(label=gettext_lazy("走访止"), required=False, widget=ISODateInput)
    village = forms.ModelChoiceField(
        label=gettext_lazy("村（社区）"), required=False, queryset=Village.objects.none()
    )
    workgroup = forms.ModelChoiceField(
        label=gettext_lazy("工作组"), required=False, queryset=WorkGroup.objects.none()
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("走访方式"),
        required=False,
        choices=[("", gettext_lazy("全部"))] + Visit.Kind.choices,
    )

    def __init__(self, *args, township_id, **kwargs):
        super().__init__(*args, **kwargs)
        villages, workgroups = Village.objects.all(), WorkGroup.objects.all()
        if township_id is not None:
            villages = villages.filter(township_id=township_id)
            workgroups = workgroups.filter(township_id=township_id)
        self.fields["village"].queryset = villages.order_by("name")
        self.fields["workgroup"].queryset = workgroups.order_by("name")
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("结束日期不能早于开始日期。"))
        return data

    def apply(self, qs):
        data = self.cleaned_data
        if data.get("date_from"):
            qs = qs.filter(visited_on__gte=data["date_from"])
        if data.get("date_to"):
            qs = qs.filter(visited_on__lte=data["date_to"])
        if data.get("village"):
            qs = qs.filter(household__village=data["village"])
        if data.get("workgroup"):
            # the group's village, or a visit by one of its cadres (as a group leader sees them)
            workgroup = data["workgroup"]
            qs = qs.filter(
                Q(household__village_id=workgroup.village_id) | Q(cadre__workgroup=workgroup)
            )
        if data.get("kind"):
            qs = qs.filter(kind=data["kind"])
        return qs


def may_export_ledger(user) -> bool:
    """Who may export this ledger, on every door (the page, the command's --user)."""
    return may_export_visits(user)


def ledger_form(user, filters: dict | None) -> VisitLedgerForm:
    return VisitLedgerForm(
        dict(filters or {}), township_id=township_id_of(user) if user is not None else None
    )


def ledger_queryset(user, filters: dict | None = None, *, queryset=None):
    """(visits, form): the visits `user` may read (all for None) that match `filters`, in
    ledger order. ValidationError with the form's messages when a filter is invalid."""
    form = ledger_form(user, filters)
    if not form.is_valid():
        raise ValidationError(
            [f"{form.fields[name].label if name in form.fields else name}: {message}"
             for name, messages in form.errors.items() for message in messages]
        )  # fmt: skip
    if queryset is None:
        queryset = Visit.objects.all() if user is None else visits_visible_to(user)
    visits = (
        form.apply(queryset)
        .select_related("household", "household__village", "cadre", "cadre__workgroup")
        .prefetch_related("corrections")
        .order_by("-visited_on", "household__code", "id")
    )
    return visits, form


def export_visits(
    *,
    user=None,
    target,
    queryset=None,
    request=None,
    filters: dict | None = None,
    progress: Callable[[int], object] | None = None,
) -> int:
    """Write the 走访 sheet; returns the row count. `user=None` is the shell (everything);
    `request` gives the audit row its client IP (none: the command line, audited by OS user)."""
    visits, form = ledger_queryset(user, filters, queryset=queryset)
    kinds = dict(Visit.Kind.choices)

    def rows():
        for v in visits.iterator(chunk_size=2000):
            yield [
                v.visited_on,
                v.household.village.name if v.household.village else "",
                v.household.code,
                v.household.head_name,
                v.household.address,
                v.cadre.name,
                v.cadre.workgroup.name if v.cadre.workgroup else "",
                str(kinds.get(v.kind, v.kind)),
                v.met_with,
                v.notes,
                "、".join(v.tag_labels),
                v.follow_up,
                "；".join(c.text for c in v.corrections.all()),
                v.created_at.astimezone().replace(tzinfo=None),
            ]

    with transaction.atomic():
        count = write_workbook(target, [("走访", HEADERS, rows())], progress=progress)
        export_audit(
            actor=user,
            object_type="visits.visit",
            summary=_("导出走访台账 %(n)d 行") % {"n": count},
            changes={"rows": count, "filters": filters_used(form)},
            township_id=township_id_of(user) if user is not None else None,
            request=request,
        )
    return count
