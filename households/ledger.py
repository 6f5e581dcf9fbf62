"""Exporting households and residents as an .xlsx ledger in the roster's own layout.

Every export is masked, whoever asks (the 户主身份证号 column too): full ID and phone numbers
leave only through the reveal export (`reveal=True`), which needs the export and the reveal
permission, takes the numbers from `identity_reveal` (one REVEAL audit row naming every household
and member) and is audited as an export as well. The masked export reads plain values, never
model instances, so 7,601 households stream out in about a second (bench/exports.py)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from core.security.export_trail import export_audit
from core.xlsx import write_workbook
from households.access import households_visible_to, may_export, may_reveal_identity
from households.identity import mask_phone
from households.models import Household, Resident, Tag
from liaison.access import township_id_of

from .roster.schema import SHEETS
from .services import identity_reveal

GENDER = {"M": "男", "F": "女"}


def _present_head():
    return Resident.objects.filter(
        household=OuterRef("pk"), is_head=True, status=Resident.Status.PRESENT
    ).order_by("pk")


def _labels():
    tags = {value: str(label) for value, label in Tag.choices}
    return {
        "tags": tags,
        "relation": {value: str(label) for value, label in Resident.Relation.choices},
        "political": {value: str(label) for value, label in Resident.Political.choices},
    }


def _tag_text(tags: str, labels: dict) -> str:
    return "、".join(labels.get(t, t) for t in tags.split(",") if t)


def may_export_ledger(user) -> bool:
    """Who may export this ledger (masked), on every door (the page, the command's --user)."""
    return may_export(user)


def may_export_revealed(user) -> bool:
    """The reveal export: those who may export the ledger and reveal full numbers."""
    return user is not None and may_export(user) and may_reveal_identity(user)


def export_households(
    *, user=None, target, queryset=None, request=None, reveal: bool = False, filters=None
) -> int:
    """Write 户 and 成员 sheets; returns the row count. `user=None` is the shell (every
    household, masked); `request` gives the audit rows the client IP (none: the command line,
    audited by OS user), `filters` what the rows were chosen by (for the audit row).
    `reveal=True` writes full numbers (PermissionDenied unless `may_export_revealed`)."""
    audit = {"user": user, "target": target, "request": request, "filters": filters or {}}
    households = queryset if queryset is not None else _scope(user)
    if reveal:
        return _export_revealed(households=households, **audit)
    labels = _labels()
    household_values = (
        households.annotate(head_id_masked=Subquery(_present_head().values("id_masked")[:1]))
        .order_by("village__name", "code")
        .values_list(
            "code", "village__name", "grid", "address", "head_name", "head_id_masked",
            "phone", "tags", "note",
        )
    )  # fmt: skip
    resident_values = (
        Resident.objects.filter(household__in=households.values("pk"))
        .order_by("household__code", "-is_head", "id")
        .values_list(
            "household__code", "name", "gender", "id_masked", "relation", "phone",
            "political_status",
        )
    )  # fmt: skip

    def household_rows():
        for (
            code,
            village,
            grid,
            address,
            head,
            head_id,
            phone,
            tags,
            note,
        ) in household_values.iterator(chunk_size=2000):
            yield [
                code, village, grid, address, head, head_id or "", mask_phone(phone),
                _tag_text(tags, labels["tags"]), note,
            ]  # fmt: skip

    def resident_rows():
        for code, name, gender, id_masked, relation, phone, political in resident_values.iterator(
            chunk_size=2000
        ):
            yield [
                code, name, GENDER.get(gender, ""), id_masked,
                labels["relation"].get(relation, ""), mask_phone(phone),
                labels["political"].get(political, ""),
            ]  # fmt: skip

    return _write(household_rows(), resident_rows(), full=False, **audit)


def _export_revealed(*, user, target, households, request, filters) -> int:
    if not may_export_revealed(user):
        raise PermissionDenied(_("您无权导出完整号码。"))
    labels = _labels()
    house_list = list(households.select_related("village").order_by("village__name", "code"))
    residents = list(
        Resident.objects.filter(household__in=[h.pk for h in house_list])
        .select_related("household")
        .order_by("household__code", "-is_head", "id")
    )
    with transaction.atomic():
        # the one way full numbers leave the server: checks the policy, writes the REVEAL row
        revealed = identity_reveal(
            actor=user,
            households=house_list,
            residents=residents,
            request=request,
            purpose=_("导出住户台账"),
        )
        heads = {
            r.household_id: revealed.residents[r.pk][0]
            for r in residents
            if r.is_head and r.status == Resident.Status.PRESENT
        }
        household_rows = (
            [
                h.code, h.village.name, h.grid, h.address, h.head_name, heads.get(h.pk, ""),
                revealed.household_phones[h.pk], _tag_text(h.tags, labels["tags"]), h.note,
            ]
            for h in house_list
        )  # fmt: skip
        resident_rows = (
            [
                r.household.code, r.name, GENDER.get(r.gender, ""), revealed.residents[r.pk][0],
                labels["relation"].get(r.relation, ""), revealed.residents[r.pk][1],
                labels["political"].get(r.political_status, ""),
            ]
            for r in residents
        )  # fmt: skip
        return _write(
            household_rows,
            resident_rows,
            full=True,
            user=user,
            target=target,
            request=request,
            filters=filters,
        )


def _write(household_rows, resident_rows, *, full: bool, user, target, request, filters) -> int:
    with transaction.atomic():
        count = write_workbook(
            target,
            [
                ("户", SHEETS["户"].headers, household_rows),
                ("成员", SHEETS["成员"].headers, resident_rows),
            ],
        )
        export_audit(
            actor=user,
            object_type="households.household",
            summary=_("导出住户台账 %(n)d 行（%(kind)s）")
            % {"n": count, "kind": _("完整号码") if full else _("脱敏")},
            changes={"rows": count, "full_numbers": full, "filters": filters},
            township_id=township_id_of(user) if user is not None else None,
            request=request,
        )
    return count


def _scope(user):
    return Household.objects.all() if user is None else households_visible_to(user)
