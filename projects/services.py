"""The only code that writes 每月一题 projects and starts clustering runs. Each function checks
`projects.access`, validates (field errors as ValidationError keyed by field), writes, appends the
project's timeline event and the audit row in the same transaction."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.models import AuditEntry
from core.outbox import outbox_enqueue
from liaison.access import township_id_of

from . import access
from .models import ClusterRun, Milestone, Project, ProjectEvent, ProjectIssue
from .tasks import cluster_run_task

TITLE_MAX = 120
MAX_ISSUES = 2000


def cluster_run_request(*, actor, month: dt.date) -> ClusterRun:
    """Queue a clustering run of the actor's township for `month` (the page's progress bar
    follows it). A run already queued or running for that month is returned instead."""
    township_id = township_id_of(actor)
    if not access.may_plan(actor) or township_id is None:
        raise PermissionDenied(_("您无权分析高频诉求。"))
    with transaction.atomic():
        busy = ClusterRun.objects.filter(
            township_id=township_id,
            month=month,
            status__in=[ClusterRun.Status.QUEUED, ClusterRun.Status.RUNNING],
        ).first()
        if busy is not None:
            return busy
        run = ClusterRun.objects.create(township_id=township_id, month=month, requested_by=actor)
        outbox_enqueue(cluster_run_task, run.pk, key=f"projects.cluster_run:{run.pk}")
    return run


def _event(project, actor, kind, text, due_date=None) -> ProjectEvent:
    return ProjectEvent.objects.create(
        project=project, actor=actor, kind=kind, text=str(text)[:255], due_date=due_date
    )


def _validate_project(*, actor, title, owner_committee, progress, milestones, issues) -> dict:
    errors: dict[str, list[str]] = {}
    if not (title or "").strip():
        errors["title"] = [_("请填写题目。")]
    elif len(title.strip()) > TITLE_MAX:
        errors["title"] = [_("不能超过 %(n)s 字。") % {"n": TITLE_MAX}]
    ownable = access.committees_ownable_by(actor)
    if owner_committee is None or not ownable.filter(pk=owner_committee.pk).exists():
        errors["owner_committee"] = [_("请选择您可以牵头的专门委员会。")]
    if progress is None or not 0 <= progress <= 100:
        errors["progress"] = [_("进度须在 0 到 100 之间。")]
    for title_, due in milestones:
        if not (title_ or "").strip() or not isinstance(due, dt.date):
            errors["milestones"] = [_("每个节点都要有名称和承诺日期。")]
    if not issues:
        errors["issues"] = [_("请至少关联一件诉求。")]
    elif len(issues) > MAX_ISSUES:
        errors["issues"] = [_("一个项目最多关联 %(n)s 件诉求。") % {"n": MAX_ISSUES}]
    else:
        visible = set(
            access.cluster_issues_visible_to(actor)
            .filter(pk__in=[i.pk for i in issues])
            .values_list("pk", flat=True)
        )
        if visible != {i.pk for i in issues}:
            errors["issues"] = [_("只能关联您可以查看的诉求。")]
    return errors


def project_create(
    *,
    actor,
    title: str,
    owner_committee,
    issues: list,
    summary: str = "",
    lead_department=None,
    progress: int = 0,
    milestones: list[tuple[str, dt.date]] = (),
    cluster=None,
) -> Project:
    """Make a 每月一题 project of a cluster's (or any chosen) issues."""
    if not access.may_create_project(actor):
        raise PermissionDenied(_("您无权创建每月一题项目。"))
    errors = _validate_project(
        actor=actor,
        title=title,
        owner_committee=owner_committee,
        progress=progress,
        milestones=milestones,
        issues=issues,
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        project = Project.objects.create(
            township_id=owner_committee.township_id,
            title=title.strip(),
            summary=(summary or "").strip()[:4000],
            owner_committee=owner_committee,
            lead_department=lead_department,
            progress=progress,
            cluster=cluster,
            created_by=actor,
        )
        ProjectIssue.objects.bulk_create(ProjectIssue(project=project, issue=i) for i in issues)
        _event(project, actor, ProjectEvent.Kind.CREATED, project.summary or project.title)
        for name, due in milestones:
            Milestone.objects.create(project=project, title=name.strip()[:120], due_date=due)
            _event(project, actor, ProjectEvent.Kind.PROMISED, name.strip(), due_date=due)
        audit_record(
            actor=actor,
            action=AuditEntry.Action.CREATE,
            obj=project,
            summary=_("创建每月一题：%(t)s") % {"t": project.title},
            changes={"issues": [i.pk for i in issues], "committee": owner_committee.pk},
        )
    return project


def _require_manager(actor, project: Project) -> None:
    if not access.may_manage_project(actor, project):
        raise PermissionDenied(_("您无权管理这个项目。"))


def project_progress_set(*, actor, project: Project, progress: int, note: str = "") -> Project:
    _require_manager(actor, project)
    if progress is None or not 0 <= progress <= 100:
        raise ValidationError({"progress": [_("进度须在 0 到 100 之间。")]})
    with transaction.atomic():
        old = project.progress
        project.progress = progress
        project.save(update_fields=["progress"])
        text = f"{old}% → {progress}%" + (f"：{note.strip()}" if (note or "").strip() else "")
        _event(project, actor, ProjectEvent.Kind.PROGRESS, text)
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=project,
            summary=_("更新进度：%(t)s") % {"t": text},
            changes={"progress": [old, progress]},
        )
    return project


def milestone_complete(*, actor, milestone: Milestone) -> Milestone:
    project = milestone.project
    _require_manager(actor, project)
    with transaction.atomic():
        milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
        if milestone.done_at is not None:
            return milestone  # done once; a second click changes nothing
        milestone.done_at, milestone.done_by = timezone.now(), actor
        milestone.save(update_fields=["done_at", "done_by"])
        _event(
            project, actor, ProjectEvent.Kind.MILESTONE_DONE, milestone.title, milestone.due_date
        )
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=project,
            summary=_("完成节点：%(t)s") % {"t": milestone.title},
        )
    return milestone


def project_publish(*, actor, project: Project, public: bool) -> Project:
    _require_manager(actor, project)
    if project.is_public == public:
        return project
    with transaction.atomic():
        project.is_public = public
        project.save(update_fields=["is_public"])
        text = _("公开项目进展") if public else _("撤回公开")
        _event(project, actor, ProjectEvent.Kind.PUBLISHED, text)
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=project, summary=text)
    return project
