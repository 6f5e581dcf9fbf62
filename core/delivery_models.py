"""One row per message, recipient and external channel (e-mail, SMS, webhook): its delivery state.

The in-app bell is written in the same transaction as these rows; the rows are then sent one by
one, each in its own short transactions (core.delivery), so one refused address, a killed worker
or a lost broker touches one row, never a batch."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
