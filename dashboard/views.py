"""Dashboard pages (统计分析): the dashboard, its .xlsx export and printable report (the
assessment pages are in assessment_views.py). Thin: the scope comes from liaison.access, the figures
from selectors."""

from __future__ import annotations

from io import BytesIO
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.security.export_trail import export_audit
from dashboard import exports, selectors
from dashboard.access import (
    dashboard_scope_of,
    may_manage_surveys,
    may_record_survey,
    narrowed,
)
from dashboard.charts import chart_specs, decorate
from dashboard.forms import period_form, period_params
from liaison.access import township_id_of
from liaison.models import Township

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def scope_or_403(user):
    scope = dashboard_scope_of(user)
    if scope is None:
        raise PermissionDenied
    return scope


def reader_scope(request):
    """The reader's dashboard scope, or the township a district reader chose (`?township=`): the
    scope of every dashboard page (the dashboard, its print and export, the assessment and its
    export). 403 without a dashboard."""
    return narrowed(scope_or_403(request.user), request.GET.get("township"))


def drill_params(request, scope) -> dict[str, str]:
    """`{"township": id}` when a district reader looks at one township (links keep it)."""
    drilled = scope.kind == "township" and township_id_of(request.user) is None
    return {"township": str(scope.township_id)} if drilled else {}


def _summary(request):
    """The dashboard's figures for the reader's scope (reader_scope)."""
    scope = reader_scope(request)
    form, period = period_form(request.GET)
    summary = decorate(selectors.dashboard_summary(scope, period))
    return form, summary


def _context(request, form, summary) -> dict:
    scope = summary["scope"]
    keep = list(drill_params(request, scope).items())
    period_query = urlencode(period_params(summary["period"]))
    query = urlencode([*period_params(summary["period"]).items(), *keep])
    return {
        "period_query": period_query,
        "form": form,
        "keep": keep,
        "drilled_township": Township.objects.get(pk=scope.township_id) if keep else None,
        "s": summary,
        "h": summary["headline"],
        "scope": summary["scope"],
        "period": summary["period"],
        "charts": chart_specs(summary),
        "query": query,
        "may_record_survey": may_record_survey(request.user),
        "may_manage_surveys": may_manage_surveys(request.user),
    }


@login_required
def dashboard(request):
    form, summary = _summary(request)
    return render(request, "dashboard/dashboard.html", _context(request, form, summary))


@login_required
def dashboard_print(request):
    form, summary = _summary(request)
    context = _context(request, form, summary)
    context["printed_at"] = timezone.localtime()
    return render(request, "dashboard/print.html", context)


def xlsx_response(request, *, name: str, sheets, summary_text: str) -> HttpResponse:
    buffer = BytesIO()
    exports.write(buffer, sheets)
    export_audit(
        actor=request.user,
        object_type="dashboard",
        summary=summary_text,
        changes={},
        request=request,
    )
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response


@login_required
def dashboard_export(request):
    _form, summary = _summary(request)
    period = summary["period"]
    return xlsx_response(
        request,
        name=f"dashboard-{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx",
        sheets=exports.dashboard_sheets(summary),
        summary_text=_("导出统计分析：%(p)s") % {"p": period.label},
    )
