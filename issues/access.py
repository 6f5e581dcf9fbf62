"""Who may see and act on which issue; views, the API and the admin load issues only through
here. `IssuesConfig.ready()` registers `issue_household_ids_for` with `households.access`, so
committee staff and department liaisons read the households of the issues they handle."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from committees.models import CommitteeMembership
from issues.models import Issue, Level, Status
from issues.transitions import TRANSITIONS
from liaison.access import cadre_of, roles_of, township_id_of
from liaison.models import Pairing, WorkGroup
from liaison.roles import Role


def _role_scope(role: Role, cadre, *, acting: bool = False) -> Q:
    """The issues a holder of `role` deals with (beyond the township filter). When acting, a
    village handler works only at village level and a department liaison only at district level.
    Conditions are id subqueries, never joins, so no row is duplicated and indexes stay usable."""

    nothing = Q(pk__in=[])
    if cadre is None:
        return nothing
    if role == Role.COMMITTEE_STAFF:
        mine = CommitteeMembership.objects.filter(cadre=cadre).values("committee_id")
        return Q(committee_id__in=mine) | Q(status=Status.REPORTED)
    if role == Role.VILLAGE_HANDLER:
        if not cadre.village_id:
            return nothing
        scope = Q(village_id=cadre.village_id)
        return scope & Q(level=Level.VILLAGE) if acting else scope
    if role == Role.DEPARTMENT_LIAISON:
        departments = cadre.departments.through.objects.filter(cadre=cadre).values("department_id")
        scope = Q(department_id__in=departments)
        return scope & Q(level=Level.DISTRICT) if acting else scope
    if role == Role.GROUP_LEADER:
        if not cadre.workgroup_id:
            return nothing
        villages = WorkGroup.objects.filter(pk=cadre.workgroup_id).values("village_id")
        return Q(village_id__in=villages) | Q(household__village_id__in=villages)
    if role == Role.CADRE:
        paired = Pairing.objects.filter(cadre=cadre, end_date__isnull=True).values("household_id")
        return Q(raised_by=cadre) | Q(household_id__in=paired)
    return nothing


def _scoped(qs: QuerySet, user, roles, *, acting: bool = False) -> QuerySet:
    held = roles_of(user) & set(roles)
    if not held:
        return qs.none()
    township_id = township_id_of(user)
    # District-level department liaisons have no township; their departments scope them.
    if township_id is not None:
        qs = qs.filter(township_id=township_id)
    if held & {Role.ADMIN, Role.LEADER}:
        return qs
    cadre = cadre_of(user)
    condition = Q(pk__in=[])
    for role in held:
        condition |= _role_scope(role, cadre, acting=acting)
    return qs.filter(condition)


def issues_visible_to(user) -> QuerySet:
    return _scoped(Issue.objects.all(), user, tuple(Role))


def issues_actable_by(user) -> QuerySet:
    """Issues the user works on as a handler, in the scope `may_act` applies: a village handler
    only those at village level in their village, a department liaison only those at district
    level (the others they may read but not act on)."""
    return _scoped(Issue.objects.all(), user, tuple(Role), acting=True)


def access_issue(user, pk) -> Issue:
    """The issue with this pk if the user may read it; otherwise 404."""
    try:
        return issues_visible_to(user).get(pk=pk)
    except (ValueError, TypeError, Issue.DoesNotExist):
        raise Http404 from None


def issue_household_ids_for(user, held_roles) -> QuerySet | None:
    """Household ids of the issues a committee member or department liaison handles (None for
    other roles)."""
    roles = set(held_roles) & {Role.COMMITTEE_STAFF, Role.DEPARTMENT_LIAISON}
    if not roles:
        return None
    qs = _scoped(Issue.objects.filter(household__isnull=False), user, roles)
    return qs.values_list("household_id", flat=True)


def may_act(user, issue: Issue, action: str) -> bool:
    """May this user perform `action` on this issue? The table says which roles; the role's own
    scope says on which issues (a village handler only in their village, at village level)."""
    transition = TRANSITIONS.get((issue.status, action))
    if transition is None:
        return False
    held = roles_of(user) & set(transition.roles)
    if not held:
        return False
    return _scoped(Issue.objects.filter(pk=issue.pk), user, held, acting=True).exists()


def may_report(user) -> bool:
    return bool(
        roles_of(user)
        & {
            Role.ADMIN,
            Role.COMMITTEE_STAFF,
            Role.GROUP_LEADER,
            Role.CADRE,
            Role.VILLAGE_HANDLER,
        }
    )


def may_triage(user) -> bool:
    return bool(roles_of(user) & {Role.ADMIN, Role.COMMITTEE_STAFF})


def may_see_workload(user) -> bool:
    """The committees' and departments' workload page."""
    return bool(roles_of(user) & {Role.ADMIN, Role.LEADER, Role.COMMITTEE_STAFF})


def may_export_issues(user) -> bool:
    return bool(roles_of(user) & {Role.ADMIN, Role.LEADER, Role.COMMITTEE_STAFF})
