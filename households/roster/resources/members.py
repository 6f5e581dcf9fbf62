"""The 成员 sheet: the residents of each household, one 户主 per household."""

from __future__ import annotations

from django.db.models import F
from django.utils.translation import gettext as _

from households import identity
from households.models import Household, Resident

from .. import cleaning as clean
from ..schema import HOUSEHOLDS, MEMBERS
from .base import SheetMeta, SheetResource


class MemberResource(SheetResource):
    sheet_name = MEMBERS
    key_header = "身份证号"
    repeated = frozenset({"性别", "与户主关系", "政治面貌"})
    compared = ("household_id", "name", "relation", "is_head", "phone", "political_status")
    update_fields = (
        "household", "name", "relation", "is_head", "phone", "political_status", "updated_at",
    )  # fmt: skip
    head_columns = {
        "身份证号": "户主身份证号",
        "姓名": "户主姓名",
        "户编号": "户编号",
        "联系电话": "联系电话",
    }

    class Meta(SheetMeta):
        model = Resident

    def clean(self, row, errors):
        f = self.field
        parsed = f(errors, "身份证号", clean.id_number, row["身份证号"], required=True)
        data = {
            "code": f(errors, "户编号", clean.code, row["户编号"]),
            "name": f(errors, "姓名", clean.name, row["姓名"]),
            "gender": f(
                errors, "性别", clean.choice, row["性别"], aliases=clean.GENDER_ALIASES, default=""
            ),
            "parsed": parsed,
            "relation": f(
                errors,
                "与户主关系",
                clean.choice,
                row["与户主关系"],
                aliases=clean.RELATION_ALIASES,
                default=Resident.Relation.OTHER,
            ),
            "phone": f(errors, "联系电话", clean.phone, row["联系电话"]),
            "political_status": f(
                errors,
                "政治面貌",
                clean.choice,
                row["政治面貌"],
                aliases=clean.POLITICAL_ALIASES,
                default=Resident.Political.MASSES,
            ),
        }
        if parsed is not None:
            data["key"] = identity.blind_index(parsed.number)
            # the history names the person (the 户 sheet creates heads, too): 赵大（1101…0017）
            data["label"] = f"{data['name']}（{parsed.number[:4]}…{parsed.last4}）"
            if data["gender"] and data["gender"] != parsed.gender:
                errors["性别"] = _("性别与身份证号不符：按身份证号应为“%(g)s”。") % {
                    "g": "男" if parsed.gender == "M" else "女"
                }
        return data

    def after_prefetch(self):
        codes = {d["code"] for d, e in self.cleaned.values() if d.get("code")}
        households = Household.objects.filter(township=self.ctx.township, code__in=codes)
        self.households = {}
        names = self.__dict__.setdefault("household_names", {})
        for code, pk, head_name in households.values_list("code", "pk", "head_name"):
            self.households[code] = pk
            names[pk] = (code, head_name)

    def load_existing(self, keys):
        residents = Resident.objects.filter(id_number_hmac__in=keys).values(
            "id",
            "id_number_hmac",
            *self.compared,
            township=F("household__township_id"),
            code=F("household__code"),
            head_name=F("household__head_name"),
        )
        # households of this chunk, by pk: (code, head's name), to name a member's move
        found, self.elsewhere, self.household_names = {}, set(), {}
        for resident in residents:
            if resident.pop("township") != self.ctx.township.pk:
                self.elsewhere.add(resident["id_number_hmac"])
            names = (resident.pop("code"), resident.pop("head_name"))
            self.household_names[resident["household_id"]] = names
            found[resident["id_number_hmac"]] = resident
        return found

    def check(self, data, errors):
        if errors:
            return {}
        household_id = self.households.get(data["code"])
        if household_id is None:
            if data["code"] in self.ctx.refused_codes:
                errors["户编号"] = _("该户在“户”工作表中有错误，请先改正该户。")
            else:
                errors["户编号"] = _("户编号“%(code)s”在“户”工作表和系统中都不存在。") % {
                    "code": data["code"]
                }
            return {}
        if data["key"] in self.elsewhere:
            # Say only that it cannot be imported here: where else a person is registered is
            # not this township's business (issue #12, finding 15).
            errors["身份证号"] = _("该身份证号不能在本乡镇（街道）导入，请核实后联系系统管理员。")
        if data["relation"] == Resident.Relation.HEAD:
            refusal = self._second_head(data["code"], data["key"])
            if refusal:
                errors["与户主关系"] = refusal
        return {"household_id": household_id}

    def _second_head(self, code: str, key: str) -> str:
        """One 户主 per household, as households.services holds on every other door: the head
        the 户 sheet names (户主身份证号), else the first 户主 row of this sheet."""
        if not hasattr(self, "heads_by_code"):
            self.heads_by_code: dict[str, str] = {}
        listed = self.ctx.heads.get(code)
        head = identity.blind_index(listed.split("\t")[1]) if listed else None
        head = head or self.heads_by_code.setdefault(code, key)
        if head == key:
            return ""
        return _("一户只能有一位户主：该户已有户主，本行请填写其与户主的关系。")

    def duplicate_message(self, first_row):
        return _("与第 %(row)s 行的身份证号重复：一个人只能登记一次。") % {"row": abs(first_row)}

    def seen_key(self, key):
        # Half the HMAC as bytes (128 bits: no collision in any roster) instead of 64 hex
        # characters: a 300,000-resident roster remembers 20 MB less.
        return bytes.fromhex(key[:32])

    def seen_row(self, row) -> int:
        # A head given only on the 户 sheet is remembered by minus its row there.
        return -row["_row"] if row.get("_sheet") == HOUSEHOLDS else row["_row"]

    def updated_kind(self, instance, diff, sheet, row):
        """A member who changes household is a move (from -> to), not an update; a new name
        and a head who moves or steps down are noted for the preview and the head check."""
        before, ctx = self.before, self.ctx
        label = str(self.current["label"])
        old_names = self.household_names.get(before["household_id"], ("", ""))
        new_names = self.household_names.get(instance.household_id, ("", ""))
        moved = "household_id" in diff
        if before["is_head"] and (moved or not instance.is_head):
            losses = ctx.head_losses.setdefault(before["household_id"], [])
            losses.append((sheet, row, before["name"], new_names[0] if moved else ""))
        if not moved:
            if "name" in diff:
                ctx.rename_count += 1
                entry = {"sheet": sheet, "row": row, "label": label, "code": new_names[0]}
                ctx.listed(ctx.renames, {**entry, "old": before["name"], "new": instance.name})
            return "updated"
        ctx.left_households.add(before["household_id"])
        diff["household"] = [old_names[0], new_names[0]]
        del diff["household_id"]
        ctx.move_count += 1
        move = {
            "sheet": sheet,
            "row": row,
            "label": label,
            "name": instance.name,
            "old_name": before["name"] if "name" in diff else "",
            "was_head": before["is_head"],
            "from_code": old_names[0],
            "from_head": old_names[1],
            "to_code": new_names[0],
            "to_head": new_names[1],
        }
        ctx.listed(ctx.moves, move)
        if not ctx.dry_run:
            ctx.moved_residents.append(
                (instance.pk, label, old_names[0], new_names[0], move["old_name"], instance.name)
            )
        return "moved"

    def column_label(self, sheet, header):
        return self.head_columns.get(header, header) if sheet == HOUSEHOLDS else header

    def init_instance(self, row=None):
        parsed = self.current["parsed"]
        return self.new_instance(
            id_number_encrypted=identity.encrypt(parsed.number),
            id_number_hmac=self.current["key"],
            id_last4=parsed.last4,
            id_masked=identity.mask_id_number(parsed.number),
            birth_date=parsed.birth_date,
            gender=parsed.gender,
        )

    def apply(self, instance, data, *, new):
        instance.household_id = data["household_id"]
        instance.name = data["name"]
        instance.relation = data["relation"]
        instance.is_head = data["relation"] == Resident.Relation.HEAD
        instance.phone = data["phone"]
        instance.political_status = data["political_status"]
