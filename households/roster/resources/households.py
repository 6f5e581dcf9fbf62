"""The 户 sheet: one row per household."""

from __future__ import annotations

from django.utils.translation import gettext as _

from households.models import Household
from liaison.models import Village

from .. import cleaning as clean
from ..schema import HOUSEHOLDS
from .base import SheetMeta, SheetResource


class HouseholdResource(SheetResource):
    sheet_name = HOUSEHOLDS
    key_header = "户编号"
    repeated = frozenset({"村（社区）", "网格", "重点类别", "备注"})
    compared = ("village_id", "grid", "address", "head_name", "phone", "tags", "note")
    update_fields = (
        "village", "grid", "address", "head_name", "phone", "tags", "note", "updated_at",
    )  # fmt: skip

    class Meta(SheetMeta):
        model = Household

    def __init__(self, ctx):
        super().__init__(ctx)
        villages = Village.objects.filter(township=ctx.township, is_active=True)
        self.villages = {v.name.replace(" ", ""): v.pk for v in villages}

    def clean(self, row, errors):
        f = self.field
        return {
            "key": f(errors, "户编号", clean.code, row["户编号"]),
            "village_id": f(
                errors,
                "村（社区）",
                clean.lookup,
                row["村（社区）"],
                table=self.villages,
                what=_("村（社区）"),
            ),
            "grid": f(errors, "网格", clean.text, row["网格"], max_length=32),
            "address": f(errors, "详细地址", clean.text, row["详细地址"], required=True),
            "head_name": f(errors, "户主姓名", clean.name, row["户主姓名"]),
            "head_id": f(
                errors, "户主身份证号", clean.id_number, row["户主身份证号"], required=False
            ),
            "phone": f(errors, "联系电话", clean.phone, row["联系电话"]),
            "tags": f(errors, "重点类别", clean.tags, row["重点类别"]),
            "note": f(errors, "备注", clean.text, row["备注"], max_length=2000),
        }

    def load_existing(self, keys):
        households = Household.objects.filter(township=self.ctx.township, code__in=keys)
        return {h["code"]: h for h in households.values("id", "code", *self.compared)}

    def check(self, data, errors):
        if not errors and data["head_id"] is not None:
            # Kept for every household until the 成员 sheet is done: one string, not four objects.
            self.ctx.heads[data["key"]] = "\t".join(
                (str(self.current_row), data["head_id"].number, data["head_name"], data["phone"])
            )
        return {}

    def before_import_row(self, row, **kwargs):
        self.current_row = row["_row"]
        super().before_import_row(row, **kwargs)

    def on_refused(self, data):
        if data.get("key"):
            self.ctx.refused_codes.add(data["key"])

    def init_instance(self, row=None):
        return self.new_instance(township_id=self.ctx.township.pk, code=self.current["key"])

    def apply(self, instance, data, *, new):
        for name in self.compared:
            setattr(instance, name, data[name])
