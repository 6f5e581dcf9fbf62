"""GET /api/v1/dashboard/summary/: the dashboard's headline figures for the caller's scope.
Thin: the scope comes from dashboard.access.dashboard_scope_of, the figures from the dashboard
selectors (the same numbers as the 统计分析 page)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.permissions import policy_permission
from dashboard import selectors
from dashboard.access import dashboard_scope_of, narrowed
from dashboard.coverage import coverage
from dashboard.forms import PeriodForm


def _reads_dashboard(user) -> bool:
    return dashboard_scope_of(user) is not None


ReadsDashboard = policy_permission(_reads_dashboard, message="您没有查看统计分析的权限。")


class RatesSerializer(serializers.Serializer):
    total = serializers.IntegerField(label="诉求总数")
    open = serializers.IntegerField(label="办理中")
    overdue = serializers.IntegerField(label="超期")
    resolved = serializers.IntegerField(label="已解决（群众确认）")
    explained = serializers.IntegerField(label="解释说明")
    rated = serializers.IntegerField(label="已回访")
    satisfied = serializers.IntegerField(label="满意及基本满意")
    response_rate = serializers.FloatField(label="响应率（%）", allow_null=True)
    resolution_rate = serializers.FloatField(label="解决率（%）", allow_null=True)
    satisfaction_rate = serializers.FloatField(label="满意率（%）", allow_null=True)


class HeadlineSerializer(RatesSerializer):
    score = serializers.FloatField(label="综合得分", allow_null=True)


class BreakdownRowSerializer(RatesSerializer):
    key = serializers.CharField(label="分组", allow_null=True)
    label = serializers.CharField(label="名称")


class RankingRowSerializer(BreakdownRowSerializer):
    rank = serializers.IntegerField(label="名次（样本不足为空）", allow_null=True)
    sample = serializers.IntegerField(label="样本数（解决率的分母）")
    response_rate_n = serializers.IntegerField(label="响应率样本数")
    response_rate_ci = serializers.ListField(
        child=serializers.FloatField(), label="响应率 95% 置信区间（%）", allow_null=True
    )
    resolution_rate_n = serializers.IntegerField(label="解决率样本数")
    resolution_rate_ci = serializers.ListField(
        child=serializers.FloatField(), label="解决率 95% 置信区间（%）", allow_null=True
    )
    satisfaction_rate_n = serializers.IntegerField(label="满意率样本数")
    satisfaction_rate_ci = serializers.ListField(
        child=serializers.FloatField(), label="满意率 95% 置信区间（%）", allow_null=True
    )


class RankingSerializer(serializers.Serializer):
    min_sample = serializers.IntegerField(label="参与排名的最小样本数")
    ranked = RankingRowSerializer(many=True, label="排名")
    withheld = RankingRowSerializer(many=True, label="样本不足（不排名）")


class RankingsSerializer(serializers.Serializer):
    workgroup = RankingSerializer(label="工作组排名（全区为空）", allow_null=True)
    village = RankingSerializer(label="村（社区）排名（全区为空）", allow_null=True)
    township = RankingSerializer(label="乡镇（街道）排名（仅全区）", allow_null=True)
    department = RankingSerializer(label="区级部门排名")


class CoverageSerializer(serializers.Serializer):
    households = serializers.IntegerField(label="结对户数")
    visited = serializers.IntegerField(label="已走访户数")
    coverage = serializers.FloatField(label="走访覆盖率（%）", allow_null=True)
    start = serializers.DateField(label="开始日期")
    end = serializers.DateField(label="结束日期")


class PeriodSerializer(serializers.Serializer):
    kind = serializers.CharField(label="周期类型")
    label = serializers.CharField(label="统计周期")
    start = serializers.DateField(label="开始日期")
    end = serializers.DateField(label="结束日期")


class DashboardSummarySerializer(serializers.Serializer):
    scope = serializers.ChoiceField(
        label="统计范围",
        choices=[
            ("district", "全区"),
            ("township", "全乡镇"),
            ("committee", "本委员会"),
            ("workgroup", "本工作组"),
        ],
    )
    period = PeriodSerializer(label="统计周期")
    headline = HeadlineSerializer(label="主要指标")
    overdue_now = serializers.IntegerField(label="当前超期诉求")
    by_status = BreakdownRowSerializer(many=True, label="按状态")
    by_committee = BreakdownRowSerializer(many=True, label="按专门委员会（全区为空）")
    by_township = BreakdownRowSerializer(many=True, label="按乡镇（街道）（仅全区）")
    by_level = BreakdownRowSerializer(many=True, label="按办理层级")
    coverage_month = CoverageSerializer(label="本月走访覆盖", allow_null=True)
    rankings = RankingsSerializer(label="排名（Wilson 95% 置信区间，样本不足不排名）")


EXAMPLE = {
    "scope": "township",
    "period": {"kind": "month", "label": "2026年11月", "start": "2026-11-01", "end": "2026-11-30"},
    "headline": {
        "total": 120,
        "open": 30,
        "overdue": 4,
        "resolved": 70,
        "explained": 12,
        "rated": 80,
        "satisfied": 69,
        "response_rate": 96.5,
        "resolution_rate": 81.4,
        "satisfaction_rate": 86.3,
        "score": 87.6,
    },  # fmt: skip
    "overdue_now": 4,
    "by_status": [
        {
            "key": "in_progress",
            "label": "办理中",
            "total": 30,
            "open": 30,
            "overdue": 4,
            "resolved": 0,
            "explained": 0,
            "rated": 0,
            "satisfied": 0,
            "response_rate": 93.3,
            "resolution_rate": 0.0,
            "satisfaction_rate": None,
        },
    ],  # fmt: skip
    "by_committee": [],
    "by_township": [],
    "by_level": [],
    "rankings": {
        "workgroup": {"min_sample": 10, "ranked": [], "withheld": []},
        "village": {"min_sample": 10, "ranked": [], "withheld": []},
        "township": None,
        "department": {"min_sample": 10, "ranked": [], "withheld": []},
    },
    "coverage_month": {
        "households": 7601,
        "visited": 5120,
        "coverage": 67.4,
        "start": "2026-11-01",
        "end": "2026-11-30",
    },  # fmt: skip
}


def rankings_of(scope, period, figures: dict) -> dict:
    """The page's fair rankings (dashboard.fairness), from the same figures: work groups and
    villages, or a district's townships; and the district departments."""
    data = {"by_workgroup": [], "by_village": figures["village"], "by_township": []}
    if scope.is_district:
        data["by_township"] = selectors.township_rows(
            covered={}, township_counts=figures["township_counts"]
        )
    elif scope.shows_visits:
        data["by_workgroup"] = selectors.workgroup_rows(
            scope, covered={}, village_counts=figures["village_counts"]
        )
    rankings = selectors.rankings(scope, period, data)
    if not scope.is_district and not scope.shows_visits:
        rankings["workgroup"] = None
    return {"workgroup": None, "village": None, "township": None, **rankings}


class DashboardSummaryView(APIView):
    """统计分析摘要: counts, the three rates (response, resolution, satisfaction), breakdowns by
    status, committee and level, and this month's visit coverage, for the caller's scope."""

    permission_classes = [ReadsDashboard]

    @extend_schema(
        operation_id="dashboard_summary",
        tags=["dashboard"],
        summary="统计分析摘要",
        parameters=[
            OpenApiParameter(
                "period", OpenApiTypes.STR, enum=["month", "quarter", "year", "custom"]
            ),
            OpenApiParameter("year", OpenApiTypes.INT),
            OpenApiParameter("month", OpenApiTypes.INT),
            OpenApiParameter("quarter", OpenApiTypes.INT),
            OpenApiParameter("start", OpenApiTypes.DATE),
            OpenApiParameter("end", OpenApiTypes.DATE),
            OpenApiParameter(
                "township",
                OpenApiTypes.INT,
                description="全区用户：只看这个乡镇（街道）；其他用户忽略此参数",
            ),
        ],
        responses={200: DashboardSummarySerializer},
        examples=[OpenApiExample("本月", value=EXAMPLE, response_only=True)],
    )
    def get(self, request):
        scope = narrowed(dashboard_scope_of(request.user), request.query_params.get("township"))
        period = PeriodForm(request.query_params).get_period()
        figures = selectors.issue_figures(scope, period)
        data = {
            "scope": scope.kind,
            "period": {
                "kind": period.kind,
                "label": period.label,
                "start": period.start,
                "end": period.end,
            },
            "headline": selectors.headline_from(figures["totals"]),
            "overdue_now": selectors.overdue_now(scope, figures),
            "by_status": figures["status"],
            "by_committee": figures["committee"],
            "by_township": figures["township"],
            "by_level": figures["level"],
            "coverage_month": None,
        }
        if scope.shows_visits:
            month = selectors.month_period(period.end.year, period.end.month)
            data["coverage_month"] = coverage(scope, month.start, month.end)
        data["rankings"] = rankings_of(scope, period, figures)
        return Response(DashboardSummarySerializer(data).data)
