"""Issue pages: lists per role, intake, triage queue, detail with the loop's actions, the
resident's self-report. Thin: they shape input and call services / the workflow."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from committees.models import Committee
from core.files import serve_upload
from core.params import parse_ids
from households.access import households_visible_to
from issues.access import access_issue, issues_visible_to, may_act, may_report, may_triage
from liaison.access import township_id_of

from . import services
from .contact import contact_context, contact_reveal
from .forms import ActionForm, BulkTriageForm, IntakeForm, IssueFilterForm
from .models import Attachment
from .selectors import (
    ISSUE_LIST_RELATED,
    similar_for_queue,
    similar_open_issues,
    suggest_committee,
    triage_queue_for,
    triage_queue_total,
    with_labels,
)
from .timeline import timeline_steps
from .transitions import TransitionNotAllowed, transitions_from
from .workflow import issue_transition, six_haves


@login_required
def issue_list(request):
    township_id = township_id_of(request.user)
    form = IssueFilterForm(request.GET or None, township_id=township_id)
    qs = form.apply(issues_visible_to(request.user)).select_related(*ISSUE_LIST_RELATED)
    page = Paginator(qs.order_by("-reported_at", "-id"), 30).get_page(request.GET.get("page"))
    page.object_list = with_labels(list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "issues/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "may_report": may_report(request.user),
        },
    )


@login_required
def issue_intake(request):
    if not may_report(request.user):
        raise PermissionDenied
    households = households_visible_to(request.user).select_related("village").order_by("code")
    initial = {}
    if request.GET.get("household"):
        initial["household"] = request.GET["household"]
    form = IntakeForm(
        request.POST or None, request.FILES or None, households=households, initial=initial
    )
    similar = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        household = data["household"]
        township_id = household.township_id if household else township_id_of(request.user)
        similar = similar_open_issues(
            user=request.user,
            township_id=township_id,
            description=data["description"],
            household_id=household.pk if household else None,
            village_id=household.village_id if household else None,
        )
        if not similar or data["confirm_new"]:
            try:
                with transaction.atomic():
                    issue = _intake_create(request, data, household)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("诉求已登记，进入分派队列。"))
                return _land(request, issue)
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "issues/intake.html", {"form": form, "similar": similar}, status=status)


def _intake_create(request, data, household):
    if data.get("attachment"):
        services.attachment_check(data["attachment"])
    issue = services.issue_report(
        actor=request.user,
        household=household,
        description=data["description"],
        source=data["source"],
        urgency=data["urgency"],
        reporter_name=data["reporter_name"] or (household.head_name if household else ""),
        reporter_phone=data["reporter_phone"],
        location=data["location"],
    )
    if data.get("attachment"):
        services.issue_attach(issue=issue, actor=request.user, upload=data["attachment"])
    return issue


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            field = {"file": "attachment"}.get(field, field)
            if field in form.errors:
                continue  # the form already says so
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


QUEUE_PAGE = 50


@login_required
def triage_queue(request):
    if not may_triage(request.user):
        raise PermissionDenied
    township_id = township_id_of(request.user)
    form = BulkTriageForm(request.POST or None, township_id=township_id)
    if request.method == "POST":
        ids = request.POST.getlist("issue")
        issues = issues_visible_to(request.user).filter(pk__in=parse_ids(ids))
        if not ids:
            messages.error(request, _("请先勾选要分派的诉求。"))
        elif form.is_valid():
            data = form.cleaned_data
            done, failed = services.issues_bulk_triage(
                issues=issues,
                actor=request.user,
                committee=data["committee"],
                level=data["level"],
                department=data["department"],
            )
            if done:
                messages.success(request, _("已分派 %(n)d 件诉求。") % {"n": len(done)})
            for pk, reason in failed.items():
                messages.error(request, f"#{pk}：{reason}")
            return redirect("issues:triage")
    queue = triage_queue_for(request.user, limit=QUEUE_PAGE + 1)
    # the page shows the first QUEUE_PAGE and says how many wait in all (counted only if more)
    total = triage_queue_total(request.user) if len(queue) > QUEUE_PAGE else len(queue)
    queue = with_labels(queue[:QUEUE_PAGE])
    committees = list(
        Committee.objects.filter(township_id__in={i.township_id for i in queue}, is_active=True)
    )
    similar = similar_for_queue(queue, user=request.user)
    rows = [
        {
            "issue": issue,
            "suggested": suggest_committee(
                issue.description, [c for c in committees if c.township_id == issue.township_id]
            ),
            "similar": similar.get(issue.pk, []),
        }
        for issue in queue
    ]
    return render(
        request,
        "issues/triage.html",
        {"rows": rows, "form": form, "queue_total": total},
    )


def _action_forms(request, issue, bound=None):
    forms = []
    for transition in transitions_from(issue.status):
        if transition.action == "reopen" and issue.satisfaction != "unsatisfied":
            continue
        if not may_act(request.user, issue, transition.action):
            continue
        if bound is not None and bound.transition.action == transition.action:
            forms.append(bound)
        else:
            forms.append(ActionForm(transition=transition, issue=issue))
    return forms


def _detail_context(request, issue, bound=None):
    similar = []
    if issue.is_open:
        similar = similar_open_issues(
            user=request.user,
            township_id=issue.township_id,
            description=issue.description,
            household_id=issue.household_id,
            village_id=issue.village_id,
            exclude_pk=issue.pk,
        )
    suggested = None
    if issue.status == "reported":
        suggested = suggest_committee(
            issue.description,
            Committee.objects.filter(township_id=issue.township_id, is_active=True),
        )
    action_forms = _action_forms(request, issue, bound)
    return {
        "issue": issue,
        "haves": six_haves(issue),
        "steps": timeline_steps(issue),
        "action_forms": action_forms,
        "can_merge": any(f.transition.action == "merge" for f in action_forms),
        "attachments": issue.attachments.all(),
        "similar": similar,
        "suggested": suggested,
        "may_attach": bool(action_forms) or may_triage(request.user),
        **contact_context(request.user, issue),
    }


@login_required
def issue_detail(request, pk):
    issue = access_issue(request.user, pk)
    return render(request, "issues/detail.html", _detail_context(request, issue))


@login_required
@require_POST
def issue_reveal_contact(request, pk):
    """The resident's full phone numbers, through the audited reveal (htmx swaps them in)."""
    issue = access_issue(request.user, pk)
    numbers = contact_reveal(request.user, issue, request=request)
    return render(request, "issues/_contact_revealed.html", numbers)


@login_required
@require_POST
def issue_act(request, pk, action):
    issue = access_issue(request.user, pk)
    transition = next((t for t in transitions_from(issue.status) if t.action == action), None)
    if transition is None:
        messages.error(request, _("这件诉求当前不能执行该操作（可能已被他人处理）。"))
        return redirect(issue)
    form = ActionForm(request.POST, request.FILES, transition=transition, issue=issue)
    try:
        with transaction.atomic():
            upload = form.upload()
            if upload is not None:
                services.attachment_check(upload)
            event = issue_transition(
                issue=issue, action=action, actor=request.user, **form.data_for_service()
            )
            if upload is not None:
                services.issue_attach(issue=issue, actor=request.user, upload=upload, event=event)
    except ValidationError as exc:
        form.is_valid()
        _add_errors(form, exc)
        context = _detail_context(request, issue, bound=form)
        return render(request, "issues/detail.html", context, status=400)
    except TransitionNotAllowed as exc:
        messages.error(request, exc.reason)
        return redirect(issue)
    messages.success(request, _("已%(label)s。") % {"label": transition.label})
    return _land(request, issue)


def _land(request, issue):
    """Back to the issue if the actor may still open it; else (triaged to another committee,
    escalated beyond their scope, merged away) to a page they may see, the message kept."""
    if issues_visible_to(request.user).filter(pk=issue.pk).exists():
        return redirect(issue)
    messages.info(request, _("诉求 #%(pk)s 已移出您的办理范围。") % {"pk": issue.pk})
    return redirect("issues:triage" if may_triage(request.user) else "issues:list")


@login_required
@require_POST
def issue_attach(request, pk):
    issue = access_issue(request.user, pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("请选择要上传的文件。"))
    else:
        try:
            services.issue_attach(issue=issue, actor=request.user, upload=upload)
            messages.success(request, _("附件已上传。"))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    return redirect(issue)


@login_required
def attachment_download(request, pk):
    attachment = Attachment.objects.filter(pk=pk).first()
    if attachment is None:
        raise Http404
    access_issue(request.user, attachment.issue_id)
    return serve_upload(attachment.file, filename=attachment.original_name)
