"""The 干部 sheet: cadres and their logins (cadre role, no password until an admin sets one)."""

from __future__ import annotations

from functools import cached_property

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils.translation import gettext as _

from liaison.models import Cadre, WorkGroup
from liaison.roles import Role

from .. import cleaning as clean
from ..schema import CADRES
from .base import SheetMeta, SheetResource


class CadreResource(SheetResource):
    """干部: a Cadre and its login (username = phone, no usable password, role 'cadre')."""

    sheet_name = CADRES
    key_header = "手机号"
    repeated = frozenset({"工作组", "职务"})
    compared = ("name", "workgroup_id", "title")
    update_fields = ("name", "workgroup", "title")

    class Meta(SheetMeta):
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
