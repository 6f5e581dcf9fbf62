"""One project's page (the accountability timeline and its actions), its export and its public
page. Thin: they load through `projects.access` and call the services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.params import parse_id

from . import access, selectors, services
from .delivery import project_deliver
from .export import project_export
from .forms import DeliverForm, ProgressForm
from .views import xlsx_response


@login_required
def project_detail(request, pk, *, progress_form=None, deliver_form=None):
    project = access.access_project(request.user, pk)
    manage = access.may_manage_project(request.user, project)
    return render(
        request,
        "projects/detail.html",
        {
            "project": project,
            "timeline": selectors.project_timeline(project),
            "milestones": project.milestones.select_related("done_by"),
            "links": selectors.project_links(project),
            "manage": manage,
            "progress_form": progress_form or ProgressForm(initial={"progress": project.progress}),
            "deliver_form": deliver_form or DeliverForm(),
        },
        status=400 if (progress_form or deliver_form) else 200,
    )


@login_required
@require_POST
def project_act(request, pk, action):
    project = access.access_project(request.user, pk)
    if not access.may_manage_project(request.user, project):
        raise PermissionDenied
    try:
        if action == "progress":
            form = ProgressForm(request.POST)
            if not form.is_valid():
                return project_detail(request, pk, progress_form=form)
            services.project_progress_set(actor=request.user, project=project,
                                          **form.cleaned_data)  # fmt: skip
        elif action == "milestone":
            milestone = project.milestones.filter(pk=parse_id(request.POST.get("milestone")))
            if not milestone.exists():
                raise Http404
            services.milestone_complete(actor=request.user, milestone=milestone.get())
        elif action == "deliver":
            form = DeliverForm(request.POST)
            if not form.is_valid():
                return project_detail(request, pk, deliver_form=form)
            result = project_deliver(actor=request.user, project=project, **form.cleaned_data)
            messages.success(
                request,
                _("已交付：答复 %(a)d 件，跳过 %(s)d 件，未成功 %(f)d 件。")
                % {"a": len(result.answered), "s": len(result.skipped), "f": len(result.failed)},
            )
        elif action in ("publish", "unpublish"):
            services.project_publish(actor=request.user, project=project,
                                     public=action == "publish")  # fmt: skip
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect(project)


@login_required
def project_export_view(request, pk):
    project = access.access_project(request.user, pk)
    response = xlsx_response(f"project-{project.pk}.xlsx")
    project_export(actor=request.user, project=project, target=response, request=request)
    return response


def project_public(request, key):
    """The published page: no login, no personal data (counts per village, never an issue)."""
    project = selectors.public_project(key)
    if project is None:
        raise Http404
    return render(
        request,
        "projects/public.html",
        {
            "project": project,
            "timeline": selectors.project_timeline(project),
            "milestones": project.milestones.all(),
            "villages": selectors.public_village_counts(project),
        },
    )
