"""The 高频诉求 page, the 每月一题 pages and the public project page. Thin: they load through
`projects.access`, shape input and call the services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from committees.models import Committee
from core.params import parse_id, parse_ids
from liaison.access import township_id_of
from liaison.models import Village

from . import access, selectors, services
from .detection import month_start
from .forms import DemandFilterForm, MilestoneFormSet, ProjectForm


def _require_planner(user) -> None:
    if not access.may_plan(user):
        raise PermissionDenied


def _township_rows(model, user):
    township_id = township_id_of(user)
    qs = model.objects.all()
    return qs.filter(township_id=township_id) if township_id else qs


@login_required
def demands(request):
    _require_planner(request.user)
    form = DemandFilterForm(
        request.GET or None,
        committees=_township_rows(Committee, request.user).filter(is_active=True),
        villages=_township_rows(Village, request.user).order_by("code"),
    )
    data = form.cleaned_data if form.is_valid() else {}
    month = month_start(data.get("month") or timezone.localdate())
    if request.method == "POST":
        run = services.cluster_run_request(actor=request.user, month=month)
        return redirect(f"{reverse('projects:demands')}?month={month:%Y-%m}&run={run.pk}")
    busy = selectors.run_latest(request.user, month, done=False)
    run = selectors.run_latest(request.user, month)
    rows = selectors.demand_rows(
        request.user,
        run,
        committee_id=getattr(data.get("committee"), "pk", None),
        village_id=getattr(data.get("village"), "pk", None),
    )
    return render(
        request,
        "projects/demands.html",
        {
            "form": form,
            "month": month,
            "run": run,
            "busy": busy if busy is not None and busy.is_busy else None,
            "rows": rows,
            "may_create": access.may_create_project(request.user),
        },
    )


@login_required
def run_progress(request, pk):
    run = access.access_run(request.user, pk)
    response = render(request, "projects/_progress.html", {"busy": run})
    if not run.is_busy and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # finished: the page reloads with the new clusters
    return response


def _candidates(request):
    """The issues offered for a new project: a cluster's (visible) issues, or ?issues=1,2,3."""
    visible = access.cluster_issues_visible_to(request.user)
    source = request.POST if request.method == "POST" else request.GET
    cluster_id = parse_id(source.get("cluster"))
    if cluster_id is not None:
        cluster = access.access_cluster(request.user, cluster_id)
        return cluster, visible.filter(pk__in=cluster.issues.values("pk"))
    ids = parse_ids(source.getlist("issues") or (source.get("ids") or "").split(","))
    return None, visible.filter(pk__in=ids)


@login_required
def project_new(request):
    if not access.may_create_project(request.user):
        raise PermissionDenied
    cluster, candidates = _candidates(request)
    candidates = candidates.order_by("-reported_at", "-id")
    initial = {"issues": list(candidates.values_list("pk", flat=True))}
    if cluster is not None:
        initial.update(title=cluster.label.replace("、", " ") + _("问题集中治理"),
                       owner_committee=cluster.committee_id)  # fmt: skip
    form = ProjectForm(request.POST or None, user=request.user, candidates=candidates,
                       initial=initial)  # fmt: skip
    milestones = MilestoneFormSet(request.POST or None, prefix="m")
    if request.method == "POST" and form.is_valid() and milestones.is_valid():
        data = form.cleaned_data
        try:
            project = services.project_create(
                actor=request.user,
                title=data["title"],
                summary=data["summary"],
                owner_committee=data["owner_committee"],
                lead_department=data["lead_department"],
                progress=data["progress"],
                milestones=[
                    (m["title"], m["due_date"]) for m in milestones.cleaned_data if m.get("title")
                ],
                issues=list(data["issues"]),
                cluster=cluster,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("已创建每月一题项目。"))
            return redirect(project)
    return render(
        request,
        "projects/new.html",
        {"form": form, "milestones": milestones, "cluster": cluster},
    )


@login_required
def project_list(request):
    _require_planner(request.user)
    projects = selectors.projects_for(request.user).order_by("-created_at", "-id")
    return render(
        request,
        "projects/list.html",
        {"projects": projects, "may_create": access.may_create_project(request.user)},
    )


def xlsx_response(filename: str) -> HttpResponse:
    response = HttpResponse(
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
