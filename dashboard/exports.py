"""The dashboard and the assessment as .xlsx workbooks (core.xlsx.write_workbook, which
neutralises formula-like text)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.xlsx import write_workbook
from dashboard.periods import Period


def write(target, sheets) -> int:
    return write_workbook(target, sheets)


def _rate(value):
    return "" if value is None else value


def _breakdown_sheet(title: str, rows: list[dict]):
    headers = [
        _("名称"),
        _("诉求数"),
        _("办理中"),
        _("超期"),
        _("已解决"),
        _("解释说明"),
        _("响应率%"),
        _("解决率%"),
        _("满意率%"),
    ]
    data = [
        [
            str(r["label"]),
            r["total"],
            r["open"],
            r["overdue"],
            r["resolved"],
            r["explained"],
            _rate(r["response_rate"]),
            _rate(r["resolution_rate"]),
            _rate(r["satisfaction_rate"]),
        ]
        for r in rows
    ]
    return (title, headers, data)


def _ci(row: dict, rate: str) -> list:
    interval = row[f"{rate}_ci"]
    return [row[f"{rate}_n"], *(interval if interval else ("", ""))]


def _ranking_sheet(title: str, name: str, ranking: dict):
    """A fair ranking (dashboard.fairness): the ranked units, then those with too small a
    sample, marked 样本不足 instead of a place."""
    headers = [
        _("名次"),
        name,
        _("诉求数"),
        _("超期"),
        _("解决率%"),
        _("解决率样本数"),
        _("解决率95%下限"),
        _("解决率95%上限"),
        _("满意率%"),
        _("满意率样本数"),
        _("满意率95%下限"),
        _("满意率95%上限"),
    ]
    withheld = _("样本不足（n<%(n)d）") % {"n": ranking["min_sample"]}
    data = [
        [
            r["rank"] if r["rank"] is not None else withheld,
            str(r["label"]),
            r["total"],
            r["overdue"],
            _rate(r["resolution_rate"]),
            *_ci(r, "resolution_rate"),
            _rate(r["satisfaction_rate"]),
            *_ci(r, "satisfaction_rate"),
        ]
        for r in [*ranking["ranked"], *ranking["withheld"]]
    ]
    return (title, headers, data)


def dashboard_sheets(summary: dict) -> list:
    h, period = summary["headline"], summary["period"]
    cov_m, cov_c = summary["coverage_month"], summary["coverage_campaign"]
    survey = summary["survey"]
    overview = [
        [_("统计周期"), period.label],
        [_("开始日期"), period.start.isoformat()],
        [_("结束日期"), period.end.isoformat()],
        [_("诉求总数"), h["total"]],
        [_("办理中"), h["open"]],
        [_("超期（周期内登记）"), h["overdue"]],
        [_("当前超期（全部）"), summary["overdue_now"]],
        [_("响应率%"), _rate(h["response_rate"])],
        [_("解决率%"), _rate(h["resolution_rate"])],
        [_("满意率%"), _rate(h["satisfaction_rate"])],
        [_("综合得分"), _rate(h["score"])],
        [_("本月走访覆盖率%"), _rate(cov_m["coverage"]) if cov_m else ""],
        [_("本次集中走访覆盖率%"), _rate(cov_c["coverage"]) if cov_c else ""],
        [_("问卷满意度%"), _rate(survey["index"])],
        [_("问卷有效评价数"), survey["rated"]],
    ]
    trend = [
        [
            r["label"],
            r["reported"],
            r["closed"],
            _rate(r["resolution_rate"]),
            _rate(r["satisfaction_rate"]),
        ]
        for r in summary["trend"]
    ]
    groups = [
        [
            str(r["label"]),
            r["households"],
            r["visited"],
            _rate(r["coverage"]),
            r["total"],
            r["overdue"],
            _rate(r["resolution_rate"]),
            _rate(r["satisfaction_rate"]),
        ]
        for r in summary["by_township"] or summary["by_workgroup"]
    ]
    overdue = [
        [
            i.pk,
            i.description[:60],
            i.get_status_display(),
            str(i.committee or ""),
            str(i.village or ""),
            i.due_at.strftime("%Y-%m-%d %H:%M") if i.due_at else "",
        ]
        for i in summary["overdue_list"]
    ]
    district = summary["scope"].is_district
    if district:  # a district's figures are per township, not per committee, village or group
        units = [_breakdown_sheet(_("按乡镇"), summary["by_township"])]
        ranking = summary["rankings"]["township"]
        rankings = [_ranking_sheet(_("乡镇（街道）排名"), _("乡镇（街道）"), ranking)]
    else:
        units = [_breakdown_sheet(_("按委员会"), summary["by_committee"])]
        rankings = [
            _ranking_sheet(_("村（社区）排名"), _("村（社区）"), summary["rankings"]["village"]),
            _ranking_sheet(_("工作组排名"), _("工作组"), summary["rankings"]["workgroup"]),
        ]
    return [
        (_("概况"), [_("指标"), _("数值")], overview),
        (
            _("月度趋势"),
            [
                _("月份"),
                pgettext("统计", "登记"),
                pgettext("统计", "办结"),
                _("解决率%"),
                _("满意率%"),
            ],
            trend,
        ),
        _breakdown_sheet(_("按状态"), summary["by_status"]),
        *units,
        _breakdown_sheet(_("按层级"), summary["by_level"]),
        _breakdown_sheet(_("按来源"), summary["by_source"]),
        *rankings,
        _ranking_sheet(_("区级部门排名"), _("区级部门"), summary["rankings"]["department"]),
        (
            _("乡镇走访") if district else _("工作组走访"),
            [
                _("乡镇（街道）") if district else _("工作组"),
                _("结对户"),
                _("已走访户"),
                _("覆盖率%"),
                _("诉求数"),
                _("超期"),
                _("解决率%"),
                _("满意率%"),
            ],
            groups,
        ),
        (
            _("超期诉求"),
            [_("编号"), _("诉求"), _("状态"), _("委员会"), _("村（社区）"), _("办结时限")],
            overdue,
        ),
    ]


def _assessment_rows(rows: list[dict], first: list[str]) -> list[list]:
    return [
        [
            *(r[k] if r.get(k) is not None else "" for k in first),
            r["paired"],
            r["expected"],
            r["visit_count"],
            r["effective"],
            r["visited"],
            _rate(r["visit_rate"]),
            r["raised"],
            r["closed"],
            _rate(r["satisfaction_rate"]),
            _rate(r["survey_index"]),
        ]
        for r in rows
    ]


def assessment_sheets(cadres: list[dict], groups: list[dict], period: Period) -> list:
    tail = [
        _("结对户"),
        _("应走访次数"),
        _("实际走访次数"),
        _("有效走访（户·月）"),
        _("走访户数"),
        _("走访完成率%"),
        _("登记诉求"),
        _("已办结"),
        _("诉求满意率%"),
        _("问卷满意度%"),
    ]
    return [
        (
            _("干部考评"),
            [_("姓名"), _("职务"), _("工作组"), *tail],
            _assessment_rows(cadres, ["name", "title", "workgroup__name"]),
        ),
        (
            _("工作组考评"),
            [_("工作组"), _("成员数"), *tail],
            _assessment_rows(groups, ["name", "member_count"]),
        ),
        (
            _("说明"),
            [_("项目"), _("内容")],
            [
                [_("统计周期"), period.label],
                [_("应走访次数"), _("结对户数 × 周期内月数（每户每月联系日走访一次）")],
                [_("诉求满意率"), _("（满意+基本满意）/ 已回访，按本人登记的诉求")],
            ],
        ),
    ]
