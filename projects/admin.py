"""Projects in the Django admin: looked at, never written here (the pages' services are the only
writers). Rows come from `projects.access` through PolicyScopedAdmin; the scopes are declared in
liaison.admin_scope.SCOPES from our AppConfig.ready() (liaison must not import us)."""

from __future__ import annotations

from django.contrib import admin

from liaison.admin_scope import AppendOnlyAdmin, Scope, ScopedTabularInline, register_scopes

from . import access
from .models import ClusterRun, DemandCluster, Milestone, Project, ProjectEvent, ProjectIssue


def _within(model, field, parent):
    def rows(user):
        return model._default_manager.filter(**{f"{field}__in": parent(user).values("pk")})

    return rows


def declare_scopes() -> None:
    register_scopes(
        {
            "projects.clusterrun": Scope(access.runs_visible_to),
            "projects.demandcluster": Scope(access.clusters_visible_to),
            "projects.project": Scope(access.projects_visible_to),
            "projects.projectissue": Scope(
                _within(ProjectIssue, "project", access.projects_visible_to)
            ),
            "projects.milestone": Scope(_within(Milestone, "project", access.projects_visible_to)),
            "projects.projectevent": Scope(
                _within(ProjectEvent, "project", access.projects_visible_to)
            ),
        }
    )


class ReadOnlyInline(ScopedTabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MilestoneInline(ReadOnlyInline):
    model = Milestone
    fields = ("title", "due_date", "done_at", "done_by")


class EventInline(ReadOnlyInline):
    model = ProjectEvent
    fields = ("at", "kind", "text", "due_date", "actor")


class LinkInline(ReadOnlyInline):
    model = ProjectIssue
    fields = ("issue", "answered_at", "answer_note")
    raw_id_fields = ("issue",)


@admin.register(Project)
class ProjectAdmin(AppendOnlyAdmin):
    list_display = ("title", "owner_committee", "progress", "status", "is_public", "created_at")
    list_filter = ("status", "is_public")
    search_fields = ("title",)
    inlines = [MilestoneInline, LinkInline, EventInline]


@admin.register(ClusterRun)
class ClusterRunAdmin(AppendOnlyAdmin):
    list_display = ("month", "township", "status", "progress", "issue_count", "cluster_count")
    list_filter = ("status",)


@admin.register(DemandCluster)
class DemandClusterAdmin(AppendOnlyAdmin):
    list_display = ("rank", "label", "size", "month_count", "committee", "run")
    search_fields = ("label",)
    exclude = ("issues",)
