"""The 结对 sheet: which cadre answers for which household; pairings end through
`liaison.services.pairings_close`, as on every other door."""

from __future__ import annotations

from django.utils.translation import gettext as _

from households.models import Household
from liaison.models import Cadre, Pairing
from liaison.services import pairings_close

from .. import cleaning as clean
from ..guards import end_pairings_refusal
from ..schema import PAIRINGS
from .base import SheetMeta, SheetResource


class PairingResource(SheetResource):
    """结对: one current cadre per household. A changed pairing ends the old one, starts anew."""

    sheet_name = PAIRINGS
    key_header = "户编号"
    repeated = frozenset({"手机号"})
    compared = ("cadre_id",)

    class Meta(SheetMeta):
        model = Pairing

    def __init__(self, ctx):
        super().__init__(ctx)
        self.to_end: list[int] = []

    def clean(self, row, errors):
        f = self.field
        return {
            "phone": f(errors, "手机号", clean.mobile, row["手机号"]),
            "key": f(errors, "户编号", clean.code, row["户编号"]),
        }

    def duplicate_message(self, first_row):
        return _("与第 %(row)s 行重复：一户只能有一名联系干部。") % {"row": first_row}

    def load_existing(self, keys):
        return {}

    def after_prefetch(self):
        good = [d for d, e in self.cleaned.values() if not e]
        self.cadres = dict(
            Cadre.objects.filter(
                township=self.ctx.township, phone__in={d["phone"] for d in good}
            ).values_list("phone", "pk")
        )
        self.households = dict(
            Household.objects.filter(
                township=self.ctx.township, code__in={d["key"] for d in good}
            ).values_list("code", "pk")
        )
        current = Pairing.objects.current().filter(household_id__in=self.households.values())
        self.current_by_household = {
            household_id: (pk, cadre_id)
            for household_id, pk, cadre_id in current.values_list("household_id", "pk", "cadre_id")
        }

    def check(self, data, errors):
        if errors:
            return {}
        cadre_id = self.cadres.get(data["phone"])
        household_id = self.households.get(data["key"])
        if cadre_id is None:
            errors["手机号"] = _("手机号“%(p)s”不在“干部”工作表和系统中，请先登记该干部。") % {
                "p": data["phone"]
            }
        if household_id is None:
            errors["户编号"] = _("户编号“%(code)s”在“户”工作表和系统中都不存在。") % {
                "code": data["key"]
            }
        return {"cadre_id": cadre_id, "household_id": household_id}

    def get_instance(self, instance_loader, row):
        current = self.current_by_household.get(self.current["household_id"])
        if current is None:
            return None
        pk, cadre_id = current
        if cadre_id == self.current["cadre_id"]:
            return self.unchanged
        self.to_end.append(pk)
        return None

    def init_instance(self, row=None):
        return self.new_instance(
            household_id=self.current["household_id"], start_date=self.ctx.today
        )

    def apply(self, instance, data, *, new):
        instance.cadre_id = data["cadre_id"]

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if self.to_end:
            pairings_close(self.to_end, on=self.ctx.today, replaced=True)
            self.to_end = []
        super().bulk_create(using_transactions, dry_run, raise_errors, batch_size, result)

    def settle_missing(self) -> None:
        """Count and list the township's current pairings whose household the sheet leaves out;
        end them (end date = import date, never deleted) only when the clerk asked to and
        confirmed exactly how many (guards.py), else refuse the whole file."""
        ctx = self.ctx
        current = Pairing.objects.current().filter(household__township=ctx.township)
        # Every household on the sheet now has exactly one current pairing: when the counts
        # agree nothing is missing, and the common full re-import skips the scan.
        if current.count() <= len(self.seen):
            return
        current = current.values_list(
            "pk", "household__code", "household__head_name", "cadre__name", "cadre__phone"
        ).order_by("cadre__name", "cadre__phone", "household__code")
        missing: list[tuple[int, str]] = []  # ended after the read: SQLite has no isolation
        for pk, code, head, cadre, phone in current.iterator(chunk_size=5000):
            if code in self.seen:
                continue
            ctx.missing_pairings += 1
            by_cadre = ctx.ending_by_cadre
            by_cadre[cadre, phone] = by_cadre.get((cadre, phone), 0) + 1
            ctx.listed(ctx.ending, {"cadre": cadre, "phone": phone, "code": code, "head": head})
            if ctx.end_missing_pairings:
                missing.append((pk, code))
        if not missing:
            return
        refusal = end_pairings_refusal(ending=len(missing), confirmed=ctx.confirm_end)
        if refusal:
            ctx.error(PAIRINGS, None, "", refusal)
            return
        if ctx.dry_run:
            return
        for _pk, code in missing:
            ctx.change(PAIRINGS, None, code, "ended", {"end_date": [None, str(ctx.today)]})
        ids = [pk for pk, _code in missing]
        for start in range(0, len(ids), 5000):
            pairings_close(ids[start : start + 5000], on=ctx.today, replaced=False)
