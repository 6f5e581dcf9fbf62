"""The visit diary (民情日记), its photos and notes, contact days, campaigns, reminders and coverage."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
        "liaison.Cadre", on_delete=models.PROTECT, related_name="visits", verbose_name=_("走访干部")
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
    # When the cadre wrote the entry (on the phone, for a record of the offline queue): the
    # 24-hour edit window runs from here. Empty for rows that did not come through the diary
    # (the demo seeder, rows migrated in): those are locked from the start.
    recorded_at = models.DateTimeField(_("填写时间"), null=True, blank=True, editable=False)

    class Meta:
        db_table = "liaison_visit"  # kept when the model left liaison
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


class VisitMonth(models.Model):
    """Which days of one month a household was visited (by anyone), and how many visits: the
    roll-up that visit coverage is counted from (visits/selectors.py `visited_households`), one
    row per household and month, whatever the number of visits.

    Written only by visits/services.py, in the transaction of every visit write (`visit_log`,
    `visit_update` when the date moves), recounted from that household's visits of the month
    under the row's lock, so every door (page, API, offline sync, admin) keeps it right; bulk
    loads (the demo seeder, the migration) call `visit_months_rebuild`."""

    township = models.ForeignKey(
        "liaison.Township", on_delete=models.CASCADE, related_name="+", verbose_name=_("乡镇")
    )
    household = models.ForeignKey(
        "households.Household", on_delete=models.CASCADE, related_name="+", verbose_name=_("住户")
    )
    month = models.DateField(_("月份"), help_text=_("该月 1 日"))
    visits = models.PositiveIntegerField(_("走访次数"), default=0)
    # bit d-1 set: visited on day d of the month (a campaign's partial months are read from it)
    days = models.IntegerField(_("走访日"), default=0)

    class Meta:
        verbose_name = _("月度走访汇总")
        verbose_name_plural = _("月度走访汇总")
        ordering = ["-month", "household"]
        constraints = [
            models.UniqueConstraint(fields=["household", "month"], name="visit_month_one_row")
        ]
        indexes = [
            models.Index(fields=["township", "month", "household"], name="visit_month_township")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.household_id}: {self.visits}"


# --- Visits, contact day, campaigns, reminders (the visits issue) --------------------------------
class ContactDay(models.Model):
    """An admin's move of one month's contact day (holidays): overrides the township rule."""

    township = models.ForeignKey(
        "liaison.Township",
        on_delete=models.PROTECT,
        related_name="contact_days",
        verbose_name=_("乡镇"),
    )
    year = models.PositiveSmallIntegerField(_("年"))
    month = models.PositiveSmallIntegerField(_("月"))
    date = models.DateField(_("联系群众日"))
    reason = models.CharField(_("调整原因"), max_length=128, blank=True)

    class Meta:
        db_table = "liaison_contactday"  # kept when the model left liaison
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
        "liaison.Township",
        on_delete=models.PROTECT,
        related_name="campaigns",
        verbose_name=_("乡镇"),
    )
    name = models.CharField(_("名称"), max_length=64)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        db_table = "liaison_visitcampaign"  # kept when the model left liaison
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
        db_table = "liaison_visitphoto"  # kept when the model left liaison
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
        db_table = "liaison_visitnote"  # kept when the model left liaison
        verbose_name = _("走访更正")
        verbose_name_plural = _("走访更正")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.visit_id}: {self.text[:20]}"


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
        "liaison.Cadre",
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name=_("接收干部"),
    )
    contact_day = models.DateField(_("联系群众日"))
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    payload = models.JSONField(_("内容"), default=dict)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        db_table = "liaison_reminderdelivery"  # kept when the model left liaison
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
        "liaison.Township", on_delete=models.CASCADE, related_name="+", verbose_name=_("乡镇")
    )
    workgroup = models.ForeignKey(
        "liaison.WorkGroup",
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
        db_table = "liaison_coveragesnapshot"  # kept when the model left liaison
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


class OfflineReceipt(models.Model):
    """The idempotency key of a visit captured offline and sent by the PWA's sync queue.

    One row per client UUID, inserted first in the transaction that logs the visit (and the
    demand raised with it), so a second send of the same record — a retry after a timeout, a
    second tab, a reload mid-sync — fails on the unique key and is answered with the stored
    visit. It also keeps when the cadre captured the record on the phone and when it arrived.
    """

    key = models.UUIDField(_("离线记录编号"), unique=True)
    issue_key = models.UUIDField(_("离线诉求编号"), unique=True, null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("提交人"),
    )
    visit = models.OneToOneField(
        Visit,
        on_delete=models.PROTECT,
        related_name="offline_receipt",
        null=True,
        blank=True,
        verbose_name=_("走访记录"),
    )
    issue = models.ForeignKey(
        "issues.Issue",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("诉求"),
    )
    captured_at = models.DateTimeField(_("手机上记录时间"), null=True, blank=True)
    received_at = models.DateTimeField(_("到达服务器时间"), default=timezone.now)

    class Meta:
        verbose_name = _("离线同步回执")
        verbose_name_plural = _("离线同步回执")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return str(self.key)
