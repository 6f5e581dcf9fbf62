"""The organisation of the "1+15+N" system: townships, villages, work groups, liaison units,
cadres and their pairings with households, plus the append-only audit trail.

Every record belongs to a township, so one deployment can serve a whole district.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Township(models.Model):
    name = models.CharField(_("名称"), max_length=64)
    code = models.SlugField(_("代码"), max_length=32, unique=True)
    district = models.CharField(_("所属区县"), max_length=64, blank=True)
    service_phone = models.CharField(_("服务电话"), max_length=32, blank=True)
    # Contact day (联系群众日): by default the Wednesday (weekday 2) of the first week.
    contact_day_weekday = models.PositiveSmallIntegerField(_("联系日星期"), default=2)
    contact_day_week = models.PositiveSmallIntegerField(_("联系日所在周"), default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("乡镇（街道）")
        verbose_name_plural = _("乡镇（街道）")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Village(models.Model):
    class Kind(models.TextChoices):
        VILLAGE = "village", _("村")
        COMMUNITY = "community", _("社区")

    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, related_name="villages", verbose_name=_("乡镇")
    )
    name = models.CharField(_("名称"), max_length=64)
    code = models.CharField(_("代码"), max_length=32, blank=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.VILLAGE)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("村（社区）")
        verbose_name_plural = _("村（社区）")
        ordering = ["township", "code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["township", "name"], name="village_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class WorkGroup(models.Model):
    """One of the 15 work groups (工作组), one per village or community."""

    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, related_name="workgroups", verbose_name=_("乡镇")
    )
    village = models.ForeignKey(
        Village,
        on_delete=models.PROTECT,
        related_name="workgroups",
        verbose_name=_("负责村（社区）"),
        null=True,
        blank=True,
    )
    name = models.CharField(_("名称"), max_length=64)
    leader = models.ForeignKey(
        "liaison.Cadre",
        on_delete=models.SET_NULL,
        related_name="led_workgroups",
        verbose_name=_("组长"),
        null=True,
        blank=True,
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("工作组")
        verbose_name_plural = _("工作组")
        ordering = ["township", "name"]
        constraints = [
            models.UniqueConstraint(fields=["township", "name"], name="workgroup_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Cadre(models.Model):
    """The profile of a user who works in the system (工作组成员/联系干部 and the other roles)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="cadre",
        verbose_name=_("账号"),
    )
    township = models.ForeignKey(
        Township,
        on_delete=models.PROTECT,
        related_name="cadres",
        verbose_name=_("乡镇"),
        null=True,
        blank=True,
        help_text=_("留空表示区级用户，可查看所有乡镇。"),
    )
    name = models.CharField(_("姓名"), max_length=32)
    phone = models.CharField(_("手机号"), max_length=20, blank=True, db_index=True)
    title = models.CharField(_("职务"), max_length=64, blank=True)
    workgroup = models.ForeignKey(
        WorkGroup,
        on_delete=models.SET_NULL,
        related_name="members",
        verbose_name=_("工作组"),
        null=True,
        blank=True,
    )
    village = models.ForeignKey(
        Village,
        on_delete=models.SET_NULL,
        related_name="handlers",
        verbose_name=_("承办村（社区）"),
        null=True,
        blank=True,
        help_text=_("村（社区）承办人所在的村（社区）。"),
    )
    is_active = models.BooleanField(_("在岗"), default=True)

    class Meta:
        verbose_name = _("干部")
        verbose_name_plural = _("干部")
        ordering = ["township", "workgroup", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["township", "phone"],
                condition=~Q(phone=""),
                name="cadre_unique_phone_per_township",
            )
        ]

    def __str__(self) -> str:
        return self.name


class LiaisonUnit(models.Model):
    """A liaison unit (联系单元): cadres paired with resident organisations or families."""

    class Kind(models.TextChoices):
        FAMILY = "family", _("困难家庭")
        ORGANISATION = "organisation", _("驻地单位")
        RESIDENT_GROUP = "resident_group", _("群众组织")

    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, related_name="liaison_units", verbose_name=_("乡镇")
    )
    workgroup = models.ForeignKey(
        WorkGroup,
        on_delete=models.PROTECT,
        related_name="liaison_units",
        verbose_name=_("工作组"),
        null=True,
        blank=True,
    )
    name = models.CharField(_("名称"), max_length=128)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.FAMILY)
    members = models.ManyToManyField(
        Cadre, related_name="liaison_units", verbose_name=_("成员"), blank=True
    )
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("联系单元")
        verbose_name_plural = _("联系单元")
        ordering = ["township", "name"]

    def __str__(self) -> str:
        return self.name


class PairingQuerySet(models.QuerySet):
    def current(self):
        return self.filter(end_date__isnull=True)


class Pairing(models.Model):
    """A cadre's responsibility for a household, kept with its history (start and end)."""

    cadre = models.ForeignKey(
        Cadre, on_delete=models.PROTECT, related_name="pairings", verbose_name=_("联系干部")
    )
    household = models.ForeignKey(
        "households.Household",
        on_delete=models.PROTECT,
        related_name="pairings",
        verbose_name=_("户"),
    )
    start_date = models.DateField(_("开始日期"), default=timezone.localdate)
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = PairingQuerySet.as_manager()

    class Meta:
        verbose_name = _("结对")
        verbose_name_plural = _("结对")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(end_date__isnull=True),
                name="pairing_one_current_per_household",
            )
        ]
        indexes = [models.Index(fields=["cadre", "end_date"], name="pairing_cadre_current")]

    def __str__(self) -> str:
        return f"{self.cadre} ↔ {self.household}"
