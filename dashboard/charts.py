"""Shape the dashboard figures for the charts (ECharts, drawn by static/dashboard/charts.js) and
for the links from every figure to the filtered issue list behind it."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from dashboard.forms import period_params
from dashboard.periods import Period

CHART_TOWNSHIPS = 20  # a bar each: a district's 343 would make a chart 10,000 px tall


def issues_url(period: Period | None, filters: dict | None = None) -> str:
    """The issues list filtered like the figure: the dimension's filter plus the period."""
    params = dict(filters or {})
    if period is not None:
        params.update(period.as_query())
    return f"{reverse('issues:list')}?{urlencode(params)}" if params else reverse("issues:list")


def township_dashboard_url(period: Period, township_id: int) -> str:
    """A district reader's dashboard of one township, for the same period."""
    params = {**period_params(period), "township": township_id}
    return f"{reverse('liaison:dashboard')}?{urlencode(params)}"


def add_urls(rows: list[dict], period: Period) -> list[dict]:
    for row in rows:
        row["url"] = issues_url(period, row["filters"]) if row.get("filters") else None
    return rows


def _bar(chart_id: str, title: str, rows: list[dict], *, kind: str = "bar") -> dict:
    return {
        "id": chart_id,
        "type": kind,
        "title": title,
        "labels": [str(r["label"]) for r in rows],
        "series": [
            {"name": _("诉求数"), "data": [r["total"] for r in rows]},
            {"name": _("超期"), "data": [r["overdue"] for r in rows]},
        ],
        "urls": [r.get("url") for r in rows],
    }


def chart_specs(summary: dict) -> list[dict]:
    """The charts' data (JSON-serialisable, read by charts.js through json_script)."""
    specs = [
        {
            "id": "chart-trend",
            "type": "line",
            "title": _("月度趋势"),
            "labels": [r["label"] for r in summary["trend"]],
            "series": [
                {
                    "name": pgettext("统计", "登记"),
                    "data": [r["reported"] for r in summary["trend"]],
                },
                {"name": pgettext("统计", "办结"), "data": [r["closed"] for r in summary["trend"]]},
            ],
            "urls": [r["url"] for r in summary["trend"]],
        },
        {
            "id": "chart-status",
            "type": "pie",
            "title": _("按状态"),
            "labels": [str(r["label"]) for r in summary["by_status"]],
            "series": [{"name": _("诉求数"), "data": [r["total"] for r in summary["by_status"]]}],
            "urls": [r.get("url") for r in summary["by_status"]],
        },
        _bar("chart-level", _("按办理层级"), summary["by_level"]),
        _bar("chart-source", _("按来源"), summary["by_source"]),
    ]
    if summary["scope"].is_district:  # (every township is in the table above the chart)
        busiest = sorted(summary["by_township"], key=lambda r: -r["total"])[:CHART_TOWNSHIPS]
        specs.append(_bar("chart-township", _("诉求最多的乡镇（街道）"), busiest))
    else:
        specs.append(_bar("chart-committee", _("按专门委员会"), summary["by_committee"]))
        specs.append(_bar("chart-village", _("按村（社区）"), summary["by_village"]))
    if summary["by_workgroup"]:
        groups = summary["by_workgroup"]
        specs.append(
            {
                "id": "chart-workgroup",
                "type": "bar",
                "title": _("工作组走访覆盖率（%）"),
                "labels": [str(r["label"]) for r in groups],
                "series": [{"name": _("覆盖率"), "data": [r["coverage"] for r in groups]}],
                "urls": [r.get("url") for r in groups],
                "percent": True,
            }
        )
    return specs


def decorate(summary: dict) -> dict:
    """Add the drill-down URL to every row of every breakdown."""
    period = summary["period"]
    for key in ("by_status", "by_committee", "by_level", "by_source", "by_village", "by_workgroup"):
        add_urls(summary[key], period)
    for row in summary["by_township"]:  # a township's figures open its own dashboard
        row["url"] = township_dashboard_url(period, row["township"])
    for row in summary["trend"]:
        row["url"] = issues_url(row["period"])
    summary["urls"] = {
        "all": issues_url(period),
        "overdue": issues_url(None, {"overdue": "on"}),
    }
    return summary
