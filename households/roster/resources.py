"""django-import-export resources for the four roster sheets.

Each chunk of rows is cleaned and its existing records are fetched in one query
(`before_import`); rows then flow through import-export's bulk machinery (`use_bulk`,
`skip_diff`) and an unchanged row is skipped by comparing a cheap snapshot of the fields.
"""

from __future__ import annotations

from functools import cached_property
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db.models import F
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import resources
from import_export.results import RowResult

from households import identity
from households.models import Household, Resident
from liaison.models import Cadre, Pairing, Village, WorkGroup
from liaison.roles import Role

from . import cleaning as clean
from .bulk import insert_instances, update_instances
from .schema import CADRES, HOUSEHOLDS, MEMBERS, PAIRINGS


class _Meta:
    use_bulk = True
    skip_diff = True
    skip_html_diff = True
    clean_model_instances = False
    report_skipped = False
    batch_size = 5000
    fields = ("id",)


class _LightRowResult(RowResult):
    """Keeps no repr of the instance: str() of a Pairing would query its cadre and household."""

    def add_instance_info(self, instance):
        self.object_id = getattr(instance, "pk", None)


class SheetResource(resources.ModelResource):
    sheet_name = ""
    key_header = ""
    repeated: frozenset[str] = frozenset()  # headers whose cleaned values are cached
    compared: tuple[str, ...] = ()
    update_fields: tuple[str, ...] = ()

    def __init__(self, ctx):
        super().__init__()
        self.ctx = ctx
        self.seen: dict = {}
        self.cleaned: dict[int, tuple] = {}
        self.existing: dict = {}
        self._cleaned_values: dict[tuple, tuple] = {}

    def get_row_result_class(self):
        return _LightRowResult

    # --- per chunk -----------------------------------------------------------------------
    def before_import(self, dataset, **kwargs):
        self.cleaned = {}
        for values in dataset:
            row = dict(zip(dataset.headers, values, strict=True))
            errors: dict[str, str] = {}
            data = self.clean(row, errors)
            key = data.get("key")
            if key is not None and not errors:
                seen_key = self.seen_key(key)
                first = self.seen.get(seen_key)
                if first is not None:
                    errors[self.key_header] = self.duplicate_message(first)
                else:
                    self.seen[seen_key] = row["_row"]
            self.cleaned[row["_row"]] = (data, errors)
        keys = [d["key"] for d, e in self.cleaned.values() if not e]
        self.existing = self.load_existing(keys) if keys else {}
        self.after_prefetch()

    def after_import(self, dataset, result, **kwargs):
        """We never supply primary keys, so no sequence reset is needed."""

    def field(self, errors: dict, header: str, cleaner, value, **kwargs):
        if header in self.repeated:
            return self._field_cached(errors, header, cleaner, value, **kwargs)
        try:
            return cleaner(value, **kwargs)
        except ValidationError as error:
            errors[header] = clean.message_of(error)
            return None

    def _field_cached(self, errors: dict, header: str, cleaner, value, **kwargs):
        """Columns with few distinct values (village, tags, relation...) are cleaned once per
        value: the result or the message is remembered for the rest of the import."""
        key = (header, type(value), value)  # 1, 1.0 and True hash alike
        found = self._cleaned_values.get(key)
        if found is None:
            try:
                found = (cleaner(value, **kwargs), None)
            except ValidationError as error:
                found = (None, clean.message_of(error))
            if len(self._cleaned_values) < MAX_CACHED_VALUES:
                self._cleaned_values[key] = found
        if found[1] is not None:
            errors[header] = found[1]
        return found[0]

    def seen_key(self, key):
        """How a row's key is remembered (for duplicates) for the rest of the import."""
        return key

    def duplicate_message(self, first_row) -> str:
        return _("与第 %(row)s 行重复：同一%(what)s只能出现一次。") % {
            "row": first_row,
            "what": self.key_header,
        }

    # --- per row -------------------------------------------------------------------------
    def before_import_row(self, row, **kwargs):
        data, errors = self.cleaned[row["_row"]]
        data.update(self.check(data, errors))
        if errors:
            sheet = row.get("_sheet") or self.sheet_name
            for header, message in errors.items():
                self.ctx.error(sheet, row["_row"], self.column_label(sheet, header), message)
            self.ctx.count(self.sheet_name, "error")
            self.on_refused(data)
            raise ValidationError(errors)
        self.current = data

    def column_label(self, sheet, header):
        return header

    def get_instance(self, instance_loader, row):
        found = self.existing.get(self.current["key"])
        if not isinstance(found, dict):
            return found  # None, or a model instance (cadres)
        # A stored row as a dict: apply the file's values to a cheap copy first, and build a
        # model instance only when something differs (most re-imported rows are unchanged).
        probe = SimpleNamespace(**found)
        self.apply(probe, self.current, new=False)
        if vars(probe) == found:
            return self.unchanged
        return self._meta.model(**found)

    def new_instance(self, **values):
        """A fresh unsaved instance for the bulk insert: a copy of one default instance made
        per import. Model.__init__ costs ten times more and runs for every new row."""
        model = self._meta.model
        instance = model.__new__(model)
        instance.__dict__.update(self._defaults, **values, _state=ModelState())
        return instance

    @cached_property
    def _defaults(self) -> dict:
        defaults = vars(self._meta.model()).copy()
        del defaults["_state"]
        if any(isinstance(v, list | dict | set) for v in defaults.values()):
            raise TypeError("new_instance() would share a mutable default between rows")
        return defaults

    @cached_property
    def unchanged(self):
        """One placeholder instance returned for every unchanged row: never saved."""
        return self._meta.model()

    def after_init_instance(self, instance, new, row, **kwargs):
        if instance is self.unchanged:
            self.before = UNCHANGED
        else:
            self.before = None if new else self.snapshot(instance)

    def import_instance(self, instance, row, **kwargs):
        if self.before is not UNCHANGED:
            self.apply(instance, self.current, new=self.before is None)

    def snapshot(self, instance) -> dict:
        return {f: getattr(instance, f) for f in self.compared}

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if self.before is None or import_validation_errors:
            return False
        if self.before is UNCHANGED or self.snapshot(instance) == self.before:
            self.ctx.count(self.sheet_name, "unchanged")
            return True
        return False

    def save_instance(self, instance, is_create, row, **kwargs):
        key = str(self.current.get("label") or self.current["key"])
        sheet = row.get("_sheet") or self.sheet_name
        if is_create:
            self.ctx.count(self.sheet_name, "new")
            self.ctx.change(sheet, row["_row"], key, "new")
        else:
            after = self.snapshot(instance)
            diff = {f: [_jsonable(v), _jsonable(after[f])] for f, v in self.before.items()}
            diff = {f: pair for f, pair in diff.items() if pair[0] != pair[1]}
            self.ctx.count(self.sheet_name, "updated")
            self.ctx.change(sheet, row["_row"], key, "updated", diff)
            if hasattr(instance, "updated_at"):
                instance.updated_at = timezone.now()
        super().save_instance(instance, is_create, row, **kwargs)

    def get_bulk_update_fields(self):
        return list(self.update_fields)

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        """New rows go in through COPY on PostgreSQL (see bulk.py), bulk_create elsewhere."""
        if not self.create_instances:
            return
        try:
            insert_instances(self._meta.model, self.create_instances)
        except Exception as error:  # noqa: BLE001 - reported like import-export's own
            self.handle_import_error(result, error, raise_errors)
        finally:
            self.create_instances.clear()

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        """Changed rows: COPY into a temporary table + one UPDATE on PostgreSQL (see bulk.py)."""
        if not self.update_instances:
            return
        try:
            update_instances(self._meta.model, self.update_instances, self.update_fields)
        except Exception as error:  # noqa: BLE001 - reported like import-export's own
            self.handle_import_error(result, error, raise_errors)
        finally:
            self.update_instances.clear()

    # --- hooks ---------------------------------------------------------------------------
    def clean(self, row, errors) -> dict:
        raise NotImplementedError

    def load_existing(self, keys) -> dict:
        raise NotImplementedError

    def after_prefetch(self) -> None:
        pass

    def check(self, data, errors) -> dict:
        """Checks that need the prefetched lookups; returns extra data."""
        return {}

    def on_refused(self, data) -> None:
        pass

    def apply(self, instance, data, *, new: bool) -> None:
        raise NotImplementedError


UNCHANGED = object()
MAX_CACHED_VALUES = 5000


def _jsonable(value):
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)


class HouseholdResource(SheetResource):
    sheet_name = HOUSEHOLDS
    key_header = "户编号"
    repeated = frozenset({"村（社区）", "网格", "重点类别", "备注"})
    compared = ("village_id", "grid", "address", "head_name", "phone", "tags", "note")
    update_fields = (
        "village", "grid", "address", "head_name", "phone", "tags", "note", "updated_at",
    )  # fmt: skip

    class Meta(_Meta):
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

    class Meta(_Meta):
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
        self.households = dict(
            Household.objects.filter(township=self.ctx.township, code__in=codes).values_list(
                "code", "pk"
            )
        )

    def load_existing(self, keys):
        residents = Resident.objects.filter(id_number_hmac__in=keys).values(
            "id", "id_number_hmac", *self.compared, township=F("household__township_id")
        )
        found, self.elsewhere = {}, set()
        for resident in residents:
            if resident.pop("township") != self.ctx.township.pk:
                self.elsewhere.add(resident["id_number_hmac"])
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
        return _("与第 %(row)s 行的身份证号重复：一个人只能登记一次。") % {"row": first_row}

    def seen_key(self, key):
        # Half the HMAC as bytes (128 bits: no collision in any roster) instead of 64 hex
        # characters: a 300,000-resident roster remembers 20 MB less.
        return bytes.fromhex(key[:32])

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


class CadreResource(SheetResource):
    """干部: a Cadre and its login (username = phone, no usable password, role 'cadre')."""

    sheet_name = CADRES
    key_header = "手机号"
    repeated = frozenset({"工作组", "职务"})
    compared = ("name", "workgroup_id", "title")
    update_fields = ("name", "workgroup", "title")

    class Meta(_Meta):
        model = Cadre
        use_bulk = False  # a few hundred rows, each with its user account

    def __init__(self, ctx):
        super().__init__(ctx)
        groups = WorkGroup.objects.filter(township=ctx.township, is_active=True)
        self.workgroups = {g.name.replace(" ", ""): g.pk for g in groups}

    def clean(self, row, errors):
        f = self.field
        return {
            "key": f(errors, "手机号", clean.mobile, row["手机号"]),
            "name": f(errors, "姓名", clean.name, row["姓名"]),
            "workgroup_id": f(
                errors,
                "工作组",
                clean.lookup,
                row["工作组"],
                table=self.workgroups,
                what=_("工作组"),
                required=False,
            ),
            "title": f(errors, "职务", clean.text, row["职务"], max_length=64),
        }

    def load_existing(self, keys):
        cadres = Cadre.objects.filter(township=self.ctx.township, phone__in=keys)
        return {c.phone: c for c in cadres}

    def after_prefetch(self):
        keys = [d["key"] for d, e in self.cleaned.values() if not e]
        self.taken = set(
            Cadre.objects.filter(user__username__in=keys)
            .exclude(township=self.ctx.township, phone__in=keys)
            .values_list("user__username", flat=True)
        )

    def check(self, data, errors):
        if not errors and data["key"] not in self.existing and data["key"] in self.taken:
            errors["手机号"] = _(
                "该手机号不能在本乡镇（街道）用作干部账号，请核实后联系系统管理员。"
            )
        return {}

    def init_instance(self, row=None):
        return Cadre(township=self.ctx.township, phone=self.current["key"])

    def apply(self, instance, data, *, new):
        for name in self.compared:
            setattr(instance, name, data[name])

    @cached_property
    def cadre_group(self):
        return Group.objects.get(name=Role.CADRE.value)

    def do_instance_save(self, instance, is_create):
        if is_create:
            user, created = get_user_model().objects.get_or_create(username=instance.phone)
            if created:
                user.set_unusable_password()
                user.first_name = instance.name
                user.save(update_fields=["password", "first_name"])
            user.groups.add(self.cadre_group)
            instance.user = user
            instance.save(force_insert=True)
        else:
            instance.save(update_fields=[*self.update_fields])


class PairingResource(SheetResource):
    """结对: one current cadre per household. A changed pairing ends the old one, starts anew."""

    sheet_name = PAIRINGS
    key_header = "户编号"
    repeated = frozenset({"手机号"})
    compared = ("cadre_id",)

    class Meta(_Meta):
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
            Pairing.objects.filter(pk__in=self.to_end).update(end_date=self.ctx.today)
            self.to_end = []
        super().bulk_create(using_transactions, dry_run, raise_errors, batch_size, result)

    def settle_missing(self) -> None:
        """Count the township's current pairings whose household the sheet leaves out; end them
        (end date = import date, never deleted) only when the clerk asked to."""
        ctx = self.ctx
        current = Pairing.objects.current().filter(household__township=ctx.township)
        # Every household on the sheet now has exactly one current pairing: when the counts
        # agree nothing is missing, and the common full re-import skips the scan.
        if current.count() <= len(self.seen):
            return
        current = current.values_list("pk", "household__code").order_by("pk")
        missing: list[int] = []  # ended after the read: SQLite has no isolation within a connection
        for pk, code in current.iterator(chunk_size=5000):
            if code in self.seen:
                continue
            ctx.missing_pairings += 1
            if ctx.end_missing_pairings and not ctx.dry_run:
                missing.append(pk)
                ctx.change(PAIRINGS, None, code, "ended", {"end_date": [None, str(ctx.today)]})
        for start in range(0, len(missing), 5000):
            Pairing.objects.filter(pk__in=missing[start : start + 5000]).update(end_date=ctx.today)
