"""Exporting households and residents as an .xlsx ledger in the roster's own layout, with ID
and phone numbers full or masked according to the role. Every export is audited."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from core.security.export_trail import export_audit
from core.xlsx import write_workbook
from households.access import households_visible_to, may_reveal_identity
from households.models import Household, Resident
from liaison.access import township_id_of

from .roster.schema import SHEETS

GENDER = {"M": "男", "F": "女"}


def export_households(*, user=None, target, queryset=None, request=None) -> int:
    """Write 户 and 成员 sheets; returns the row count. `user=None` is the shell (full numbers);
    `request` gives the audit row its client IP (none: the command line, audited by OS user)."""
    households = queryset if queryset is not None else _scope(user)
    full = user is None or may_reveal_identity(user)
    households = households.select_related("village").order_by("village__name", "code")
    residents = (
        Resident.objects.filter(household__in=households.values("pk"))
        .select_related("household")
        .order_by("household__code", "-is_head", "id")
    )
    relation = dict(Resident.Relation.choices)
    political = dict(Resident.Political.choices)

    def phone(value):
        return value if full else Household(phone=value).masked_phone

    def household_rows():
        for h in households.iterator(chunk_size=2000):
            head_id = ""
            yield [
                h.code,
                h.village.name,
                h.grid,
                h.address,
                h.head_name,
                head_id,
                phone(h.phone),
                "、".join(h.tag_labels),
                h.note,
            ]

    def resident_rows():
        for r in residents.iterator(chunk_size=2000):
            yield [
                r.household.code,
                r.name,
                GENDER.get(r.gender, ""),
                r.id_number if full else r.id_masked,
                str(relation.get(r.relation, "")),
                phone(r.phone),
                str(political.get(r.political_status, "")),
            ]

    with transaction.atomic():
        count = write_workbook(
            target,
            [
                ("户", SHEETS["户"].headers, household_rows()),
                ("成员", SHEETS["成员"].headers, resident_rows()),
            ],
        )
        export_audit(
            actor=user,
            object_type="households.household",
            summary=_("导出住户台账 %(n)d 行（%(kind)s）")
            % {"n": count, "kind": _("完整号码") if full else _("脱敏")},
            changes={"rows": count, "full_numbers": full},
            township_id=township_id_of(user) if user is not None else None,
            request=request,
        )
    return count


def _scope(user):
    return Household.objects.all() if user is None else households_visible_to(user)
