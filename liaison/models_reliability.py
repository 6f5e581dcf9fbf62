"""Reliability bookkeeping: the task outbox and the once-per-period run keys.

Imported at the end of liaison/models.py so the models belong to the liaison app.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """A Celery task to send, written in the same transaction as the change that needs it.

    `sent_at` is empty until the broker accepted the message; the relay retries pending rows, so a
    task is never lost while Redis is down. The idempotency key is unique: enqueueing the same key
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

    class Meta:
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
        verbose_name = _("周期任务运行")
        verbose_name_plural = _("周期任务运行")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["task", "period_key"], name="periodic_run_once")
        ]

    def __str__(self) -> str:
        return f"{self.task} {self.period_key}"
