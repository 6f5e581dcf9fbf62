"""Platform records that know no domain: audit, notifications, the task outbox, once-per-period run keys, account security."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
        "liaison.Township", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    action = models.CharField(_("操作"), max_length=16, choices=Action.choices)
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    summary = models.CharField(_("摘要"), max_length=255, blank=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)

    class Meta:
        db_table = "liaison_auditentry"  # kept when the model left liaison
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
        db_table = "liaison_notification"  # kept when the model left liaison
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.title


class OutboxMessage(models.Model):
    """A Celery task to send, written in the same transaction as the change that needs it.

    `sent_at` is empty until the broker accepted the message; the relay retries pending rows, so a
    task is never lost while Redis is down. `done_at` is set once a worker finished it. The idempotency key is unique: enqueueing the same key
    twice keeps one row (and the task itself is idempotent by that key as well).
    """

    task = models.CharField(_("任务"), max_length=200)
    args = models.JSONField(_("位置参数"), default=list, blank=True)
    kwargs = models.JSONField(_("关键字参数"), default=dict, blank=True)
    key = models.CharField(_("幂等键"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    # Set when the consumer finished the task (not when the broker accepted it): a row published
    # but never done (a broker that lost its data) is published again by the reconciler.
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        db_table = "liaison_outboxmessage"  # kept when the model left liaison
        verbose_name = _("待发送任务")
        verbose_name_plural = _("待发送任务")
        ordering = ["pk"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(sent_at__isnull=True),
                name="outbox_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.task} {self.key}"


class PeriodicRun(models.Model):
    """One row per (periodic task, period): the first beat to fire takes it, a second beat
    running by mistake finds it taken and does nothing."""

    task = models.CharField(_("任务"), max_length=200)
    period_key = models.CharField(_("周期"), max_length=200)
    task_id = models.CharField(_("任务编号"), max_length=255, blank=True)
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        db_table = "liaison_periodicrun"  # kept when the model left liaison
        verbose_name = _("周期任务运行")
        verbose_name_plural = _("周期任务运行")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["task", "period_key"], name="periodic_run_once")
        ]

    def __str__(self) -> str:
        return f"{self.task} {self.period_key}"


class AccountSecurity(models.Model):
    """Per-user security flags. No row means nothing is pending (e.g. the demo accounts)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="account_security",
        verbose_name=_("账号"),
    )
    must_change_password = models.BooleanField(
        _("须修改初始密码"),
        default=False,
        help_text=_("管理员设置的初始密码或重置的密码，用户下次登录时必须修改。"),
    )
    password_changed_at = models.DateTimeField(_("最近修改密码时间"), null=True, blank=True)

    class Meta:
        db_table = "liaison_accountsecurity"  # kept when the model left liaison
        verbose_name = _("账号安全状态")
        verbose_name_plural = _("账号安全状态")

    def __str__(self) -> str:
        return str(self.user)


class SecurityPolicy(models.Model):
    """One row (pk=1): switches an administrator can flip without a deployment."""

    require_2fa_for_admins = models.BooleanField(_("系统管理员必须启用双因素认证"), default=False)
    require_2fa_for_leaders = models.BooleanField(_("乡镇领导必须启用双因素认证"), default=False)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        db_table = "liaison_securitypolicy"  # kept when the model left liaison
        verbose_name = _("安全策略")
        verbose_name_plural = _("安全策略")

    def __str__(self) -> str:
        return str(_("安全策略"))

    def save(self, *args, **kwargs):
        self.pk = 1  # a singleton: there is only one policy
        self.updated_at = timezone.now()
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> "SecurityPolicy":
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class ApiTokenActivity(models.Model):
    """When an API token (DRF authtoken) was last used: the idle limit of the sessions applies
    to tokens too (core.api.auth). No row: the token has not been used since it was issued."""

    token = models.OneToOneField(
        "authtoken.Token",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="activity",
        verbose_name=_("令牌"),
    )
    last_used_at = models.DateTimeField(_("最近使用时间"))

    class Meta:
        db_table = "liaison_apitokenactivity"  # kept when the model left liaison
        verbose_name = _("API 令牌使用记录")
        verbose_name_plural = _("API 令牌使用记录")

    def __str__(self) -> str:
        return f"{self.token.user_id} @ {self.last_used_at:%Y-%m-%d %H:%M}"


# --- Deliveries ------------------------------------------------------------------------------
# One row per message, recipient and external channel (e-mail, SMS, webhook): its delivery state.
# The in-app bell is written in the same transaction as these rows; the rows are then sent one by
# one, each in its own short transactions (core.delivery), so one refused address, a killed worker
# or a lost broker touches one row, never a batch.
class Delivery(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    # Unique and sent to providers that accept one (webhook and SMS headers): "reminder:12:email".
    key = models.CharField(_("幂等键"), max_length=200, unique=True)
    # What the row belongs to ("reminder:12", "alert:7") and the unit of work that created it.
    source = models.CharField(_("来源"), max_length=100, db_index=True)
    batch = models.CharField(_("批次"), max_length=100, db_index=True)
    channel = models.CharField(_("渠道"), max_length=16)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("接收人"),
    )
    address = models.CharField(_("地址"), max_length=500)
    payload = models.JSONField(_("内容"), default=dict)
    state = models.CharField(
        _("状态"), max_length=8, choices=State.choices, default=State.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    next_attempt_at = models.DateTimeField(_("下次尝试"), default=timezone.now)
    claimed_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("消息投递")
        verbose_name_plural = _("消息投递")
        ordering = ["pk"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(state__in=["queued", "sending"]),
                name="delivery_open_idx",
            )
        ]

    def __str__(self) -> str:
        return self.key
