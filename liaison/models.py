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


class AuditEntry(models.Model):
    """Append-only trail of who changed, exported or revealed resident data."""

    class Action(models.TextChoices):
        CREATE = "create", _("新增")
        UPDATE = "update", _("修改")
        SOFT_DELETE = "soft_delete", _("注销")
        EXPORT = "export", _("导出")
        IMPORT = "import", _("导入")
        REVEAL = "reveal", _("查看完整号码")
        LOGIN = "login", _("登录")
        LOGIN_FAILED = "login_failed", _("登录失败")
        LOGOUT = "logout", _("退出")
        SECURITY = "security", _("账号安全")

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
        null=True,
        blank=True,
    )
    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    action = models.CharField(_("操作"), max_length=16, choices=Action.choices)
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    summary = models.CharField(_("摘要"), max_length=255, blank=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.get_action_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit entries are append-only.")


class SituationTag(models.TextChoices):
    """What a visit found (走访发现的情况), several per visit."""

    LIVELIHOOD = "livelihood", _("生活困难")
    EMPLOYMENT = "employment", _("就业创业")
    HEALTH = "health", _("看病就医")
    HOUSING = "housing", _("住房安全")
    ENVIRONMENT = "environment", _("环境卫生")
    SAFETY = "safety", _("安全隐患")
    DISPUTE = "dispute", _("矛盾纠纷")
    POLICY = "policy", _("政策咨询")
    ELDERLY = "elderly", _("养老照护")
    SATISFIED = "satisfied", _("情况良好")


class Visit(models.Model):
    """A visit diary entry (民情日记): a cadre's visit to one of their households."""

    class Kind(models.TextChoices):
        CONTACT_DAY = "contact_day", _("联系群众日走访")
        MASS_VISIT = "mass_visit", _("集中走访")
        AD_HOC = "ad_hoc", _("日常走访")
        PHONE = "phone", _("电话联系")

    cadre = models.ForeignKey(
        Cadre, on_delete=models.PROTECT, related_name="visits", verbose_name=_("走访干部")
    )
    household = models.ForeignKey(
        "households.Household",
        on_delete=models.PROTECT,
        related_name="visits",
        verbose_name=_("走访户"),
    )
    visited_on = models.DateField(_("走访日期"), default=timezone.localdate, db_index=True)
    kind = models.CharField(_("走访方式"), max_length=16, choices=Kind.choices, default=Kind.AD_HOC)
    met_with = models.CharField(_("接待人"), max_length=64, blank=True)
    notes = models.TextField(_("走访情况"), blank=True)
    follow_up = models.TextField(_("后续跟进"), blank=True)
    # Situation tags, stored like household tags (",a,b,") so one LIKE finds a tag.
    situation_tags = models.CharField(_("情况标签"), max_length=255, blank=True, default="")
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["-visited_on", "-id"]
        indexes = [
            models.Index(fields=["household", "visited_on"], name="visit_household_date"),
            models.Index(fields=["cadre", "visited_on"], name="visit_cadre_date"),
        ]

    def __str__(self) -> str:
        return f"{self.visited_on} {self.cadre} → {self.household}"

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.situation_tags.split(",") if t]

    @property
    def tag_labels(self) -> list[str]:
        labels = dict(SituationTag.choices)
        return [str(labels.get(t, t)) for t in self.tag_list]

    def set_tags(self, tags) -> None:
        ordered = [t for t in SituationTag.values if t in set(tags)]
        self.situation_tags = f",{','.join(ordered)}," if ordered else ""


# --- Visits, contact day, campaigns, reminders (the visits issue) --------------------------------
class ContactDay(models.Model):
    """An admin's move of one month's contact day (holidays): overrides the township rule."""

    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, related_name="contact_days", verbose_name=_("乡镇")
    )
    year = models.PositiveSmallIntegerField(_("年"))
    month = models.PositiveSmallIntegerField(_("月"))
    date = models.DateField(_("联系群众日"))
    reason = models.CharField(_("调整原因"), max_length=128, blank=True)

    class Meta:
        verbose_name = _("联系群众日调整")
        verbose_name_plural = _("联系群众日调整")
        ordering = ["township", "-year", "-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["township", "year", "month"], name="contactday_one_per_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.township} {self.year}-{self.month:02d} → {self.date}"


class VisitCampaign(models.Model):
    """A mass visit (集中走访), usually twice a year: a date range and its coverage."""

    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("乡镇")
    )
    name = models.CharField(_("名称"), max_length=64)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("集中走访")
        verbose_name_plural = _("集中走访")
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="campaign_dates_ordered"
            )
        ]

    def __str__(self) -> str:
        return self.name


class VisitPhoto(models.Model):
    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, related_name="photos", verbose_name=_("走访记录")
    )
    image = models.FileField(_("照片"), upload_to="visits/%Y/%m/")
    content_type = models.CharField(_("类型"), max_length=32, blank=True)
    size = models.PositiveIntegerField(_("大小"), default=0)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("走访照片")
        verbose_name_plural = _("走访照片")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.image.name


class VisitNote(models.Model):
    """A correction appended to a locked visit: the entry itself is never rewritten."""

    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, related_name="corrections", verbose_name=_("走访记录")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("作者")
    )
    text = models.TextField(_("更正说明"))
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("走访更正")
        verbose_name_plural = _("走访更正")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.visit_id}: {self.text[:20]}"


class Notification(models.Model):
    """An in-app notification (the bell)."""

    class Kind(models.TextChoices):
        REMINDER_BEFORE = "reminder_before", _("联系群众日预提醒")
        REMINDER_MORNING = "reminder_morning", _("联系群众日当天提醒")
        DIGEST = "digest", _("组长走访日报")
        SYSTEM = "system", _("系统通知")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("接收人"),
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.SYSTEM)
    title = models.CharField(_("标题"), max_length=128)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.title


class ReminderDelivery(models.Model):
    """One reminder to one cadre for one contact day: the unique key makes delivery exactly-once.

    Rows are inserted idempotently (ON CONFLICT DO NOTHING) when reminders are computed and marked
    sent in the same transaction that creates the in-app notification, so a second run or a
    redelivered task finds nothing left to send, and a crashed run leaves its rows pending.
    """

    class Kind(models.TextChoices):
        BEFORE = "before", _("提前提醒")
        MORNING = "morning", _("当天提醒")
        DIGEST = "digest", _("组长日报")

    cadre = models.ForeignKey(
        Cadre, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("接收干部")
    )
    contact_day = models.DateField(_("联系群众日"))
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    payload = models.JSONField(_("内容"), default=dict)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("提醒发送记录")
        verbose_name_plural = _("提醒发送记录")
        ordering = ["-contact_day", "kind", "cadre"]
        constraints = [
            models.UniqueConstraint(
                fields=["cadre", "contact_day", "kind"], name="reminder_once_per_cadre_day_kind"
            )
        ]
        indexes = [models.Index(fields=["contact_day", "kind", "sent_at"], name="reminder_pending")]

    def __str__(self) -> str:
        return f"{self.contact_day} {self.kind} → {self.cadre}"


class CoverageSnapshot(models.Model):
    """Monthly visit coverage per work group (workgroup empty = the whole township)."""

    township = models.ForeignKey(
        Township, on_delete=models.CASCADE, related_name="+", verbose_name=_("乡镇")
    )
    workgroup = models.ForeignKey(
        WorkGroup,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("工作组"),
        null=True,
        blank=True,
    )
    month = models.DateField(_("月份"), help_text=_("该月 1 日"))
    households = models.PositiveIntegerField(_("结对户数"), default=0)
    visited = models.PositiveIntegerField(_("已走访户数"), default=0)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)

    class Meta:
        verbose_name = _("月度走访覆盖率")
        verbose_name_plural = _("月度走访覆盖率")
        ordering = ["-month", "township", "workgroup"]
        constraints = [
            models.UniqueConstraint(
                fields=["township", "workgroup", "month"],
                name="coverage_one_per_group_month",
            ),
            models.UniqueConstraint(
                fields=["township", "month"],
                condition=Q(workgroup__isnull=True),
                name="coverage_one_per_township_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.workgroup or self.township}"

    @property
    def coverage(self) -> float | None:
        return round(100 * self.visited / self.households, 1) if self.households else None


from .dashboard.models import (  # noqa: E402, F401
    IssueMonthChoiceStat,
    IssueMonthStat,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
)
from .models_reliability import OutboxMessage, PeriodicRun  # noqa: E402, F401
from .models_security import AccountSecurity, SecurityPolicy  # noqa: E402, F401
