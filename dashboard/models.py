"""Satisfaction surveys and the issue roll-ups the dashboards read."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Survey(models.Model):
    township = models.ForeignKey(
        "liaison.Township", on_delete=models.PROTECT, related_name="surveys", verbose_name=_("乡镇")
    )
    title = models.CharField(_("问卷名称"), max_length=128)
    intro = models.TextField(_("说明"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    start_date = models.DateField(_("开始日期"), default=timezone.localdate)
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        db_table = "liaison_survey"  # kept when the model left liaison
        verbose_name = _("满意度问卷")
        verbose_name_plural = _("满意度问卷")
        ordering = ["-start_date", "-id"]

    def __str__(self) -> str:
        return self.title


class SurveyQuestion(models.Model):
    class Kind(models.TextChoices):
        SATISFACTION = "satisfaction", _("满意度（满意/基本满意/不满意/不了解）")
        YES_NO = "yes_no", _("是/否")
        TEXT = "text", _("文字意见")

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="questions", verbose_name=_("问卷")
    )
    order = models.PositiveSmallIntegerField(_("序号"), default=1)
    text = models.CharField(_("题目"), max_length=255)
    kind = models.CharField(
        _("题型"), max_length=12, choices=Kind.choices, default=Kind.SATISFACTION
    )
    required = models.BooleanField(_("必答"), default=True)

    class Meta:
        db_table = "liaison_surveyquestion"  # kept when the model left liaison
        verbose_name = _("问卷题目")
        verbose_name_plural = _("问卷题目")
        ordering = ["survey", "order", "id"]

    def __str__(self) -> str:
        return f"{self.order}. {self.text}"


class SurveyResponse(models.Model):
    """One household's answers to one survey (one per household and survey)."""

    class Channel(models.TextChoices):
        VISIT = "visit", _("入户走访")
        PHONE = "phone", _("电话回访")

    survey = models.ForeignKey(
        Survey, on_delete=models.PROTECT, related_name="responses", verbose_name=_("问卷")
    )
    household = models.ForeignKey(
        "households.Household",
        on_delete=models.PROTECT,
        related_name="survey_responses",
        verbose_name=_("住户"),
    )
    cadre = models.ForeignKey(
        "liaison.Cadre",
        on_delete=models.PROTECT,
        related_name="survey_responses",
        verbose_name=_("记录干部"),
    )
    channel = models.CharField(_("方式"), max_length=8, choices=Channel.choices)
    respondent = models.CharField(_("受访人"), max_length=32, blank=True)
    answered_on = models.DateField(_("回访日期"), default=timezone.localdate, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("录入人"),
    )
    created_at = models.DateTimeField(_("录入时间"), default=timezone.now)

    class Meta:
        db_table = "liaison_surveyresponse"  # kept when the model left liaison
        verbose_name = _("问卷答卷")
        verbose_name_plural = _("问卷答卷")
        ordering = ["-answered_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "household"], name="survey_one_response_per_household"
            )
        ]
        indexes = [models.Index(fields=["cadre", "answered_on"], name="survey_resp_cadre_date")]

    def __str__(self) -> str:
        return f"{self.survey} · {self.household}"


class SurveyAnswer(models.Model):
    class Choice(models.TextChoices):
        SATISFIED = "satisfied", _("满意")
        BASIC = "basic", _("基本满意")
        UNSATISFIED = "unsatisfied", _("不满意")
        UNKNOWN = "unknown", _("不了解")
        YES = "yes", _("是")
        NO = "no", _("否")

    response = models.ForeignKey(
        SurveyResponse, on_delete=models.CASCADE, related_name="answers", verbose_name=_("答卷")
    )
    question = models.ForeignKey(
        SurveyQuestion, on_delete=models.PROTECT, related_name="answers", verbose_name=_("题目")
    )
    choice = models.CharField(_("选项"), max_length=12, choices=Choice.choices, blank=True)
    text = models.TextField(_("意见"), blank=True)

    class Meta:
        db_table = "liaison_surveyanswer"  # kept when the model left liaison
        verbose_name = _("问卷回答")
        verbose_name_plural = _("问卷回答")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="survey_one_answer")
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.choice or self.text[:20]}"


def district_indexes(prefix: str) -> list[models.Index]:
    """A roll-up's rows of some months (whole-month rows) or some days, read across every
    township: a district's dashboard. Without them it reads the whole table (1.4 M rows at city
    scale) to sum a month's 38,000."""
    return [
        models.Index(fields=["month"], condition=models.Q(day__isnull=True), name=f"{prefix}_m"),
        models.Index(fields=["day"], condition=models.Q(day__isnull=False), name=f"{prefix}_d"),
    ]


class IssueCounts(models.Model):
    """The counts of one group of issues that do not change with the clock, and when they were
    counted. The two that do (overdue, and the contact limits passed) are read at request time
    from the open and not yet contacted issues (dashboard/cube.py): `contacted` and
    `contact_limited` (not contacted, with a limit) are what the response rate's denominator is
    made of then.

    A row is either part of the roll-up (`delta` false: rebuilt every quarter hour) or a change
    recorded since (`delta` true: ±1 per counter, written by `dashboard.rollup.issue_stats_record`
    in the transaction of the change); the figures are the sum of both, so counters may be
    negative on a delta row."""

    township = models.ForeignKey(
        "liaison.Township", on_delete=models.CASCADE, related_name="+", verbose_name=_("乡镇")
    )
    month = models.DateField(_("月份"))
    day = models.DateField(_("日期"), null=True, blank=True, help_text=_("空：整月"))
    committee = models.ForeignKey(
        "committees.Committee",
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("专门委员会"),
    )
    total = models.IntegerField(_("登记"), default=0)
    open = models.IntegerField(_("办理中"), default=0)
    contacted = models.IntegerField(_("已联系"), default=0)
    contact_limited = models.IntegerField(_("未联系（有时限）"), default=0)
    contacted_in_time = models.IntegerField(_("时限内联系"), default=0)
    resolved = models.IntegerField(_("已解决"), default=0)
    explained = models.IntegerField(_("解释说明"), default=0)
    rated = models.IntegerField(_("已回访"), default=0)
    satisfied = models.IntegerField(_("满意及基本满意"), default=0)
    delta = models.BooleanField(_("增量"), default=False)
    computed_at = models.DateTimeField(_("统计时间"), default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.day or self.month:%Y-%m-%d} {self.township_id}"


class IssueMonthStat(IssueCounts):
    """The roll-up of the issues of one month, or one day of the last three months (by when
    they were reported), per committee and village, plus the issues closed then. Rebuilt every
    quarter hour by a Celery beat task, with the changes since added as delta rows (see
    dashboard/rollup.py and dashboard/cube.py)."""

    village = models.ForeignKey(
        "liaison.Village",
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("村（社区）"),
    )
    closed = models.IntegerField(_("当月办结"), default=0)

    class Meta:
        db_table = "liaison_issuemonthstat"  # kept when the model left liaison
        verbose_name = _("诉求月度汇总")
        verbose_name_plural = _("诉求月度汇总")
        ordering = ["township", "month"]
        indexes = [
            models.Index(fields=["township", "month"], name="issue_month_stat_month"),
            # a district's reads (every township): the period's months, or its days
            *district_indexes("issue_month_stat"),
            # when the roll-up was built (its rows share one time): the dashboard's first read
            models.Index(
                fields=["computed_at"],
                condition=models.Q(delta=False),
                name="issue_month_stat_built",
            ),
        ]


class IssueMonthChoiceStat(IssueCounts):
    """The same month's issues per committee and one value of status, level or source: the
    dashboard's status, level and source breakdowns of past months."""

    class Dimension(models.TextChoices):
        STATUS = "status", _("状态")
        LEVEL = "level", _("层级")
        SOURCE = "source", _("来源")

    dimension = models.CharField(_("维度"), max_length=8, choices=Dimension.choices)
    value = models.CharField(_("取值"), max_length=16, blank=True)

    class Meta:
        db_table = "liaison_issuemonthchoicestat"  # kept when the model left liaison
        verbose_name = _("诉求月度分类汇总")
        verbose_name_plural = _("诉求月度分类汇总")
        ordering = ["township", "month", "dimension", "value"]
        indexes = [
            models.Index(fields=["township", "month"], name="issue_month_choice_month"),
            *district_indexes("issue_month_choice"),
        ]


SATISFACTION_CHOICES = [
    SurveyAnswer.Choice.SATISFIED,
    SurveyAnswer.Choice.BASIC,
    SurveyAnswer.Choice.UNSATISFIED,
    SurveyAnswer.Choice.UNKNOWN,
]


__all__ = [
    "IssueMonthStat",
    "IssueMonthChoiceStat",
    "Survey",
    "SurveyQuestion",
    "SurveyResponse",
    "SurveyAnswer",
]
