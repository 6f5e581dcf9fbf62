"""Issues (群众诉求), their append-only timeline, attachments and the alerts of the overdue scan
(the working-day calendar and the time limits: `issues/limits.py`). State changes go through
`issues.workflow.issue_transition` only."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .codes import new_tracking_code
from .limits import CalendarDay, IssueSettings  # noqa: F401 - models of this app, defined there
from .readtime import ReadTimeDeadlines, most_overdue_first


class Status(models.TextChoices):
    REPORTED = "reported", _("待分派")
    TRIAGED = "triaged", _("已分派")
    IN_PROGRESS = "in_progress", _("办理中")
    RESOLVED = "resolved", _("已解决")
    EXPLAINED = "explained", _("已解释说明")
    REPLIED = "replied", _("已回复")
    RATED = "rated", _("已回访")
    ARCHIVED = "archived", _("已归档")
    MERGED = "merged", _("已合并")


OPEN_STATUSES = (Status.REPORTED, Status.TRIAGED, Status.IN_PROGRESS)


class Source(models.TextChoices):
    VISIT = "visit", _("走访")
    WALK_IN = "walk_in", _("来访")
    PHONE = "phone", _("来电")
    HOTLINE = "hotline", _("12345热线转办")
    WECHAT = "wechat", _("微信群")
    LETTER = "letter", _("来信")
    SELF_REPORT = "self_report", _("居民扫码自报")
    API = "api", _("接口")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急（安全、水电气热）")


class Level(models.TextChoices):
    VILLAGE = "village", _("村（社区）")
    TOWNSHIP = "township", _("乡镇")
    DISTRICT = "district", _("区级")


LEVEL_ORDER = [Level.VILLAGE, Level.TOWNSHIP, Level.DISTRICT]


class Outcome(models.TextChoices):
    RESOLVED = "resolved", _("已解决")
    EXPLAINED = "explained", _("解释说明")


class ReplyChannel(models.TextChoices):
    VISIT = "visit", _("上门")
    PHONE = "phone", _("电话")
    SMS = "sms", _("短信")
    LETTER = "letter", _("书面")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class Issue(ReadTimeDeadlines, models.Model):
    township = models.ForeignKey(
        "liaison.Township", on_delete=models.PROTECT, related_name="issues", verbose_name=_("乡镇")
    )
    household = models.ForeignKey(
        "households.Household",
        on_delete=models.PROTECT,
        related_name="issues",
        verbose_name=_("住户"),
        null=True,
        blank=True,
    )
    visit = models.ForeignKey(
        "visits.Visit",
        null=True,
        blank=True,
        related_name="issues",
        on_delete=models.PROTECT,
        verbose_name=_("走访记录"),
    )
    # The resident's 查询号 for the public status page (issues/tracking.py); rows older than the
    # field have none.
    tracking_code = models.CharField(
        _("查询号"), max_length=16, unique=True, null=True, blank=True, editable=False,
        default=new_tracking_code,
    )  # fmt: skip
    reporter_name = models.CharField(_("反映人"), max_length=32, blank=True)
    reporter_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    location = models.CharField(_("地点"), max_length=128, blank=True)
    description = models.TextField(_("诉求内容"))
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    urgency = models.CharField(
        _("紧急程度"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.REPORTED, db_index=True
    )
    # Routing (set by triage / escalate)
    committee = models.ForeignKey(
        "committees.Committee",
        on_delete=models.PROTECT,
        related_name="issues",
        verbose_name=_("专门委员会"),
        null=True,
        blank=True,
    )
    level = models.CharField(_("办理层级"), max_length=10, choices=Level.choices, blank=True)
    village = models.ForeignKey(
        "liaison.Village",
        on_delete=models.PROTECT,
        related_name="issues",
        verbose_name=_("村（社区）"),
        null=True,
        blank=True,
    )
    department = models.ForeignKey(
        "committees.Department",
        on_delete=models.PROTECT,
        related_name="issues",
        verbose_name=_("区级部门"),
        null=True,
        blank=True,
    )
    handler = models.ForeignKey(
        "liaison.Cadre",
        on_delete=models.PROTECT,
        related_name="handled_issues",
        verbose_name=_("承办人"),
        null=True,
        blank=True,
    )
    raised_by = models.ForeignKey(
        "liaison.Cadre",
        on_delete=models.PROTECT,
        related_name="raised_issues",
        verbose_name=_("登记干部"),
        null=True,
        blank=True,
    )
    # Time limits
    reported_at = models.DateTimeField(_("登记时间"), default=timezone.now, db_index=True)
    contact_due_at = models.DateTimeField(_("首次联系时限"), null=True, blank=True)
    first_contact_at = models.DateTimeField(_("首次联系时间"), null=True, blank=True)
    due_at = models.DateTimeField(_("办结时限"), null=True, blank=True, db_index=True)
    is_overdue = models.BooleanField(_("超期"), default=False, db_index=True)
    overdue_since = models.DateTimeField(_("超期时间"), null=True, blank=True)
    ack_due_at = models.DateTimeField(_("部门报到时限"), null=True, blank=True)
    acked_at = models.DateTimeField(_("部门报到时间"), null=True, blank=True)
    # Result, reply, callback
    outcome = models.CharField(
        _("办理结果类型"), max_length=10, choices=Outcome.choices, blank=True
    )
    result = models.TextField(_("办理结果"), blank=True)
    explanation = models.TextField(_("解释说明"), blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("办结人"),
    )
    reply_channel = models.CharField(
        _("回复方式"), max_length=8, choices=ReplyChannel.choices, blank=True
    )
    reply_text = models.TextField(_("回复内容"), blank=True)
    replied_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    satisfaction = models.CharField(
        _("满意度"), max_length=12, choices=Satisfaction.choices, blank=True
    )
    satisfaction_comment = models.TextField(_("回访意见"), blank=True)
    rated_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("回访人"),
    )
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    reopen_count = models.PositiveIntegerField(_("重新办理次数"), default=0)
    escalation_count = models.PositiveIntegerField(_("上报次数"), default=0)
    is_repeat = models.BooleanField(_("重复诉求"), default=False)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        related_name="merged_issues",
        null=True,
        blank=True,
        verbose_name=_("合并到"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("录入人"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("群众诉求")
        verbose_name_plural = _("群众诉求")
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(fields=["township", "status"], name="issue_township_status"),
            models.Index(fields=["household", "reported_at"], name="issue_household_date"),
            # The dashboard counts a period's reported and closed issues per township.
            models.Index(fields=["township", "reported_at"], name="issue_township_reported"),
            models.Index(
                fields=["township", "closed_at"],
                condition=~models.Q(status="merged"),
                name="issue_township_closed",
            ),
            # The dashboard finds the months changed since its roll-up was built: issues
            # updated since, and issues whose contact limit has passed since without a contact.
            models.Index(fields=["township", "updated_at"], name="issue_township_updated"),
            models.Index(
                fields=["township", "contact_due_at"],
                condition=models.Q(first_contact_at__isnull=True),
                name="issue_uncontacted_due",
            ),
            # The dashboards' overdue list, most overdue first (readtime.most_overdue_first): a
            # district's, and a township's.
            models.Index(
                *most_overdue_first(),
                condition=models.Q(status__in=OPEN_STATUSES),
                name="issue_open_by_due",
            ),
            models.Index(
                models.F("township"),
                *most_overdue_first(),
                condition=models.Q(status__in=OPEN_STATUSES),
                name="issue_township_open_by_due",
            ),
        ]

    def __str__(self) -> str:
        text = self.description.strip().replace("\n", " ")
        return f"#{self.pk} {text[:30]}"

    def get_absolute_url(self) -> str:
        return reverse("issues:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class IssueEvent(models.Model):
    """One step of the timeline. Append-only: never updated, never deleted."""

    issue = models.ForeignKey(
        Issue, on_delete=models.PROTECT, related_name="events", verbose_name=_("诉求")
    )
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("操作人"),
    )
    action = models.CharField(_("操作"), max_length=16)
    from_status = models.CharField(_("原状态"), max_length=16, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16)
    note = models.TextField(_("说明"), blank=True)
    payload = models.JSONField(_("数据"), default=dict, blank=True)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.issue_id} {self.action} {self.from_status}→{self.to_status}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("IssueEvent is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("IssueEvent is append-only")


def attachment_path(instance, filename: str) -> str:
    return f"issues/{instance.issue_id}/{timezone.now():%Y%m}/{filename}"


class Attachment(models.Model):
    issue = models.ForeignKey(
        Issue, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("诉求")
    )
    event = models.ForeignKey(
        IssueEvent,
        on_delete=models.PROTECT,
        related_name="attachments",
        null=True,
        blank=True,
        verbose_name=_("办理记录"),
    )
    file = models.FileField(_("文件"), upload_to=attachment_path)
    original_name = models.CharField(_("文件名"), max_length=255)
    content_type = models.CharField(_("类型"), max_length=64)
    size = models.PositiveIntegerField(_("大小"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("上传人"),
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class IssueAlert(models.Model):
    """A message to a person about an issue (overdue, escalated, sent back too often).
    `key` makes sending idempotent: the same alert is never created twice."""

    class Kind(models.TextChoices):
        OVERDUE = "overdue", _("超期提醒")
        ESCALATED = "escalated", _("超期上报")
        REOPEN_CAP = "reopen_cap", _("多次退回")
        WHISTLE = "whistle", _("吹哨报到")
        ASSIGNED = "assigned", _("新分派")
        ACK_OVERDUE = "ack_overdue", _("部门未按时报到")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="issue_alerts",
        verbose_name=_("接收人"),
    )
    issue = models.ForeignKey(
        Issue, on_delete=models.PROTECT, related_name="alerts", verbose_name=_("诉求")
    )
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    message = models.CharField(_("内容"), max_length=255)
    key = models.CharField(_("幂等键"), max_length=128, unique=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("诉求提醒")
        verbose_name_plural = _("诉求提醒")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.message
