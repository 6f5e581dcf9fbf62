"""Who may see the recurring demands and who may see, create and run which 每月一题 project.
Pages, the admin, the task and the demo seeder all ask here; a wrong id is a 404.

Leaders and township admins plan for the whole township; committee staff see the demands among
the issues the issue policy shows them and own projects only for their own committees. The issues
inside a demand cluster are always cut down to `issues_visible_to(user)`."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from committees.models import Committee, CommitteeMembership
from issues.access import issues_visible_to
from issues.models import Status
from liaison.access import cadre_of, roles_of, township_id_of
from liaison.roles import Role

from .models import ClusterRun, DemandCluster, Project

PLANNERS = frozenset({Role.ADMIN, Role.LEADER, Role.COMMITTEE_STAFF})
TOWNSHIP_WIDE = frozenset({Role.ADMIN, Role.LEADER})


def _one(qs: QuerySet, pk):
    """The row of `qs` with this pk; a wrong, foreign or malformed id is a 404."""
    try:
        return qs.get(pk=pk)
    except (ValueError, TypeError, qs.model.DoesNotExist):
        raise Http404 from None


def may_plan(user) -> bool:
    """May see the 高频诉求 view, start a run and make projects (for some committee)."""
    return bool(roles_of(user) & PLANNERS)


def _in_township(qs: QuerySet, user) -> QuerySet:
    township_id = township_id_of(user)
    return qs if township_id is None else qs.filter(township_id=township_id)


def runs_visible_to(user) -> QuerySet:
    if not may_plan(user):
        return ClusterRun.objects.none()
    return _in_township(ClusterRun.objects.all(), user)


def access_run(user, pk) -> ClusterRun:
    return _one(runs_visible_to(user), pk)


def cluster_issues_visible_to(user) -> QuerySet:
    """The issues of demand clusters this user may see: the issue policy's, nothing more."""
    return issues_visible_to(user).exclude(status=Status.MERGED)


def clusters_visible_to(user) -> QuerySet:
    """Clusters of the user's township with at least one issue the user may see."""
    visible = cluster_issues_visible_to(user).values("pk")
    return DemandCluster.objects.filter(
        run__in=runs_visible_to(user).values("pk"),
        pk__in=DemandCluster.issues.through.objects.filter(issue_id__in=visible).values(
            "demandcluster_id"
        ),
    )


def access_cluster(user, pk) -> DemandCluster:
    return _one(clusters_visible_to(user), pk)


def committees_ownable_by(user) -> QuerySet:
    """The committees a user may make a project owner: the township's for leaders and admins,
    their own for committee staff."""
    held = roles_of(user)
    qs = _in_township(Committee.objects.filter(is_active=True), user)
    if held & TOWNSHIP_WIDE:
        return qs
    if Role.COMMITTEE_STAFF in held and (cadre := cadre_of(user)) is not None:
        mine = CommitteeMembership.objects.filter(cadre=cadre).values("committee_id")
        return qs.filter(pk__in=mine)
    return qs.none()


def may_create_project(user) -> bool:
    return may_plan(user) and committees_ownable_by(user).exists()


def projects_visible_to(user) -> QuerySet:
    held = roles_of(user)
    qs = _in_township(Project.objects.all(), user)
    if held & TOWNSHIP_WIDE:
        return qs
    if Role.COMMITTEE_STAFF in held:
        return qs.filter(owner_committee__in=committees_ownable_by(user).values("pk"))
    return qs.none()


def access_project(user, pk) -> Project:
    return _one(projects_visible_to(user), pk)


def may_manage_project(user, project: Project) -> bool:
    """Record progress, complete milestones, deliver, publish: whoever may own it."""
    return committees_ownable_by(user).filter(pk=project.owner_committee_id).exists()


def may_export_project(user, project: Project) -> bool:
    return projects_visible_to(user).filter(pk=project.pk).exists()


def nav_items_for(user) -> list[dict]:
    """The projects app's entries in the site navigation (config/context_processors.py)."""
    if not may_plan(user):
        return []
    return [
        {"label": _("高频诉求"), "url": reverse("projects:demands"), "icon": "fire",
         "name": "projects:demands"},
        {"label": _("每月一题"), "url": reverse("projects:list"), "icon": "flag",
         "name": "projects:list"},
    ]  # fmt: skip
