"""The rules that set an issue's deadlines: the working-day calendar (holidays and 调休 make-up
days) and the editable time limits (办理时限设置). Read by `issues.deadlines`."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """An exception to the Monday–Friday week: a public holiday on a weekday, or a make-up
    working day (调休) on a weekend. Admins keep this table current each year."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("法定节假日（休息）")
        WORKDAY = "workday", _("调休上班")

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("工作日历")
        verbose_name_plural = _("工作日历")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


class IssueSettings(models.Model):
    """The editable time limits and weights (one row; defaults after Beijing's 12345 standard)."""

    urgent_first_action_hours = models.PositiveIntegerField(
        _("紧急诉求首次响应（小时）"), default=2
    )
    urgent_result_hours = models.PositiveIntegerField(_("紧急诉求办结（小时）"), default=24)
    contact_hours = models.PositiveIntegerField(_("首次联系群众（小时）"), default=24)
    village_days = models.PositiveIntegerField(_("村级办结（工作日）"), default=3)
    township_days = models.PositiveIntegerField(_("乡级办结（工作日）"), default=7)
    district_days = models.PositiveIntegerField(_("区级办结（工作日）"), default=15)
    overdue_grace_hours = models.PositiveIntegerField(_("超期后自动上报（小时）"), default=24)
    department_ack_hours = models.PositiveIntegerField(_("区级部门报到时限（小时）"), default=24)
    reopen_cap = models.PositiveIntegerField(_("退回次数上限"), default=2)
    repeat_window_days = models.PositiveIntegerField(_("重复诉求判定（天）"), default=90)
    weight_response = models.PositiveIntegerField(_("响应率权重"), default=30)
    weight_resolution = models.PositiveIntegerField(_("解决率权重"), default=35)
    weight_satisfaction = models.PositiveIntegerField(_("满意率权重"), default=35)

    class Meta:
        verbose_name = _("办理时限设置")
        verbose_name_plural = _("办理时限设置")

    def __str__(self) -> str:
        return str(_("办理时限设置"))

    @classmethod
    def current(cls) -> IssueSettings:
        obj = cls.objects.order_by("pk").first()
        return obj if obj is not None else cls()
