"""The assessment (考评) pages: the per-group table and the per-cadre table, filtered (village,
work group, name), sorted by any column (whitelisted keys) and paged in SQL, and their .xlsx
export with the same filters and order."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _

from dashboard import exports
from dashboard.assessment import (
    assessment_by_cadre,
    assessment_by_group,
    assessment_cadre_row,
    assessment_cadres,
    parse_sort,
)
from dashboard.forms import AssessmentFilterForm, period_form, period_params
from dashboard.views import drill_params, reader_scope, xlsx_response

PAGE_SIZE = 50


def _common_columns() -> list[tuple[str, str]]:
    return [
        ("paired", _("结对户")),
        ("expected", _("应走访")),
        ("visits", _("实际走访")),
        ("effective", _("有效走访")),
        ("visited", _("走访户数")),
        ("visit_rate", _("完成率")),
        ("raised", _("登记诉求")),
        ("closed", _("已办结")),
        ("satisfaction_rate", _("诉求满意率")),
        ("survey_index", _("问卷满意度")),
    ]


def _columns(first: list[tuple[str, str]], params: dict, sort: str | None) -> list[dict]:
    """The table's header cells: each a link that sorts by its column (again: the other way)."""
    current, descending = parse_sort(sort)
    columns = []
    for n, (key, label) in enumerate([*first, *_common_columns()]):
        active = key == current
        target = f"-{key}" if active and not descending else key
        columns.append(
            {
                "key": key,
                "label": label,
                "numeric": n >= len(first) or key == "members",
                "active": active,
                "descending": active and descending,
                "query": urlencode({**params, "sort": target}),
            }
        )
    return columns


def _filtered(request):
    scope = reader_scope(request)
    form, period = period_form(request.GET)
    filter_form = AssessmentFilterForm(request.GET, scope=scope)
    filters = filter_form.filters()
    return scope, form, period, filter_form, filters


def _filter_params(filters: dict) -> dict[str, str]:
    params = {
        "village": filters["village_id"],
        "workgroup": filters["workgroup_id"],
        "q": filters["q"],
    }
    return {k: str(v) for k, v in params.items() if v}


@login_required
def assessment(request):
    scope, form, period, filter_form, filters = _filtered(request)
    period_keys = period_params(period)
    drill = drill_params(request, scope)  # a district reader's township: every link keeps it
    params = {**period_keys, **drill, **_filter_params(filters)}
    sorted_params = {**params, **({"sort": filters["sort"]} if filters["sort"] else {})}
    page = Paginator(assessment_cadres(scope, period, **filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    group_filters = {k: v for k, v in filters.items() if k != "q"}
    return render(
        request,
        "dashboard/assessment.html",
        {
            "form": form,
            "filter_form": filter_form,
            "scope": scope,
            "period": period,
            "page": page,
            "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2),
            "cadres": [assessment_cadre_row(row, period.months) for row in page.object_list],
            "groups": assessment_by_group(scope, period, **group_filters),
            "group_columns": _columns(
                [("workgroup", _("工作组")), ("members", _("成员"))], params, filters["sort"]
            ),
            "cadre_columns": _columns(
                [("name", _("姓名")), ("workgroup", _("工作组"))], params, filters["sort"]
            ),
            "query": urlencode({**period_params(period), **drill}),
            "sorted_query": urlencode(sorted_params),
            "period_hidden": list({**period_params(period), **drill}.items()),
            "sort": filters["sort"],
            # the period form keeps the filters and the order; the filter form keeps the period
            "keep_params": [(k, v) for k, v in sorted_params.items() if k not in period_keys],
        },
    )


@login_required
def assessment_export(request):
    scope, _form, period, _filter_form, filters = _filtered(request)
    group_filters = {k: v for k, v in filters.items() if k != "q"}
    sheets = exports.assessment_sheets(
        assessment_by_cadre(scope, period, **filters),
        assessment_by_group(scope, period, **group_filters),
        period,
    )
    return xlsx_response(
        request,
        name=f"assessment-{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx",
        sheets=sheets,
        summary_text=_("导出考评表：%(p)s") % {"p": period.label},
    )
