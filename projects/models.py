"""Recurring demands (高频诉求) found by the clustering run, and the 每月一题 projects made from
them: milestones, linked issues and the accountability timeline. Written by `projects.services`
only (and the clustering task's `projects.selectors`-free writer `projects.tasks`)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ClusterRun(models.Model):
    """One clustering of a township's open and recent issues for a month."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("分析中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    township = models.ForeignKey(
        "liaison.Township", on_delete=models.PROTECT, related_name="+", verbose_name=_("乡镇")
    )
    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    status = models.CharField(
        _("状态"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    issue_count = models.PositiveIntegerField(_("分析诉求数"), default=0)
    cluster_count = models.PositiveIntegerField(_("高频诉求数"), default=0)
    message = models.CharField(_("说明"), max_length=255, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发起人"),
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("高频诉求分析")
        verbose_name_plural = _("高频诉求分析")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["township", "month", "status"])]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} · {self.get_status_display()}"

    @property
    def is_busy(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class DemandCluster(models.Model):
    """A group of issues saying the same thing, with where and when they came from."""

    run = models.ForeignKey(
        ClusterRun, on_delete=models.CASCADE, related_name="clusters", verbose_name=_("分析")
    )
    rank = models.PositiveIntegerField(_("排名"))
    label = models.CharField(_("关键词"), max_length=128)
    size = models.PositiveIntegerField(_("诉求数"))
    month_count = models.PositiveIntegerField(_("本月新增"), default=0)
    committee = models.ForeignKey(
        "committees.Committee",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("专门委员会"),
    )
    # {"YYYY-MM": count} for the month and the two before it
    trend = models.JSONField(_("趋势"), default=dict)
    issues = models.ManyToManyField(
        "issues.Issue", related_name="demand_clusters", verbose_name=_("诉求")
    )

    class Meta:
        verbose_name = _("高频诉求")
        verbose_name_plural = _("高频诉求")
        ordering = ["run", "rank"]

    def __str__(self) -> str:
        return f"{self.rank}. {self.label}"


class Project(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("推进中")
        DELIVERED = "delivered", _("已交付")

    township = models.ForeignKey(
        "liaison.Township", on_delete=models.PROTECT, related_name="+", verbose_name=_("乡镇")
    )
    title = models.CharField(_("题目"), max_length=120)
    summary = models.TextField(_("承诺事项"), blank=True)
    owner_committee = models.ForeignKey(
        "committees.Committee",
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("牵头专委会"),
    )
    lead_department = models.ForeignKey(
        "committees.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("主责部门"),
    )
    progress = models.PositiveSmallIntegerField(
        _("进度（%）"), default=0, validators=[MaxValueValidator(100)]
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    cluster = models.ForeignKey(
        DemandCluster,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("来源高频诉求"),
    )
    issues = models.ManyToManyField(
        "issues.Issue", through="ProjectIssue", related_name="projects", verbose_name=_("诉求")
    )
    delivery_text = models.TextField(_("交付答复"), blank=True)
    delivered_at = models.DateTimeField(_("交付时间"), null=True, blank=True)
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("交付人"),
    )
    is_public = models.BooleanField(_("已公开"), default=False)
    public_key = models.UUIDField(_("公开链接"), default=uuid.uuid4, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("每月一题")
        verbose_name_plural = _("每月一题")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("projects:detail", args=[self.pk])


class ProjectIssue(models.Model):
    """A linked issue; `answered_at` marks the delivery's reply to it (exactly once)."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="links", verbose_name=_("项目")
    )
    issue = models.ForeignKey(
        "issues.Issue", on_delete=models.PROTECT, related_name="+", verbose_name=_("诉求")
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answer_note = models.CharField(_("答复说明"), max_length=128, blank=True)

    class Meta:
        verbose_name = _("关联诉求")
        verbose_name_plural = _("关联诉求")
        constraints = [
            models.UniqueConstraint(fields=["project", "issue"], name="project_issue_unique")
        ]

    def __str__(self) -> str:
        return f"{self.project_id} · #{self.issue_id}"


class Milestone(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("项目")
    )
    title = models.CharField(_("节点"), max_length=120)
    due_date = models.DateField(_("承诺日期"))
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("完成人"),
    )

    class Meta:
        verbose_name = _("节点")
        verbose_name_plural = _("节点")
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return self.title


class ProjectEvent(models.Model):
    """The accountability timeline: what was promised, what was done, when and by whom.
    Append-only."""

    class Kind(models.TextChoices):
        CREATED = "created", _("立项")
        PROMISED = "promised", _("承诺节点")
        MILESTONE_DONE = "milestone_done", _("完成节点")
        PROGRESS = "progress", _("更新进度")
        DELIVERED = "delivered", _("交付")
        PUBLISHED = "published", _("公开")

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="events", verbose_name=_("项目")
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    text = models.CharField(_("内容"), max_length=255)
    due_date = models.DateField(_("承诺日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("项目记录")
        verbose_name_plural = _("项目记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.text}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("ProjectEvent is append-only")
        super().save(*args, **kwargs)
