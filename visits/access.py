"""Who may read, log, edit and correct visits (民情日记).

Pages, the API, the admin and the offline sync load visits only through `visits_visible_to` /
`access_visit` here, and log visits only for `households_for_visits`.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from households.access import SEES_ALL_HOUSEHOLDS
from households.models import Household
from liaison.access import cadre_of, has_role, roles_of, township_id_of
from liaison.roles import Role
from visits.models import Visit

VISIT_EDIT_WINDOW_HOURS = 24


def visits_visible_to(user) -> QuerySet:
    """Visits the user may read: admin/leader their township; a group leader the visits of their
    group's villages; a cadre their own visits and those of the households now paired with them."""
    qs = Visit.objects.all()
    held = roles_of(user)
    if not held & {Role.ADMIN, Role.LEADER, Role.GROUP_LEADER, Role.CADRE}:
        return qs.none()
    township_id = township_id_of(user)
    if township_id is not None:
        qs = qs.filter(household__township_id=township_id)
    if held & set(SEES_ALL_HOUSEHOLDS):
        return qs
    cadre = cadre_of(user)
    if cadre is None:
        return qs.none()
    condition = Q(cadre=cadre)
    if Role.GROUP_LEADER in held and cadre.workgroup_id:
        condition |= Q(household__village__workgroups=cadre.workgroup_id)
        condition |= Q(cadre__workgroup_id=cadre.workgroup_id)
    if Role.CADRE in held:
        condition |= Q(household__pairings__cadre=cadre, household__pairings__end_date__isnull=True)
    return qs.filter(condition).distinct()


def access_visit(user, pk):
    """The visit with this pk if the user may read it; otherwise 404."""
    try:
        return visits_visible_to(user).get(pk=pk)
    except (ValueError, TypeError, Visit.DoesNotExist):
        raise Http404 from None


def households_for_visits(user) -> QuerySet:
    """The households a user may log a visit for: those now paired with them, nothing else."""
    cadre = cadre_of(user)
    if cadre is None or not has_role(user, Role.CADRE, Role.GROUP_LEADER):
        return Household.objects.none()
    return Household.objects.filter(
        pairings__cadre=cadre, pairings__end_date__isnull=True
    ).distinct()


def may_log_visit(user, household) -> bool:
    return households_for_visits(user).filter(pk=household.pk).exists()


def access_household_for_visit(user, pk):
    """A household the user may log a visit for; otherwise 404 (never confirm it exists)."""
    try:
        return households_for_visits(user).get(pk=pk)
    except (ValueError, TypeError, Household.DoesNotExist):
        raise Http404 from None


def visit_edit_deadline(visit):
    """Until when the entry may be edited: 24 hours after the cadre wrote it (`recorded_at`,
    set by `visit_log` on every door of the diary: page, API, offline sync). A row without it
    (the demo seeder, rows migrated in) never opens a window: it is locked from the start."""
    if visit.recorded_at is None:
        return None
    return visit.recorded_at + timezone.timedelta(hours=VISIT_EDIT_WINDOW_HOURS)


def may_edit_visit(user, visit, *, now=None) -> bool:
    """The author, within 24 hours of writing it; afterwards the entry is locked."""
    cadre = cadre_of(user)
    if cadre is None or visit.cadre_id != cadre.pk:
        return False
    deadline = visit_edit_deadline(visit)
    return deadline is not None and (now or timezone.now()) < deadline


def may_correct_visit(user, visit) -> bool:
    """Corrections (appended notes): the author, and the group leader or admin of the township."""
    cadre = cadre_of(user)
    if cadre is not None and visit.cadre_id == cadre.pk:
        return True
    return has_role(user, Role.ADMIN, Role.GROUP_LEADER)


def may_see_contact_days(user) -> bool:
    """The contact-day schedule (走访安排): those who visit or lead visits, and the leader."""
    return has_role(user, Role.ADMIN, Role.LEADER, Role.GROUP_LEADER, Role.CADRE)


def may_move_contact_days(user) -> bool:
    """Moving one month's contact day (a holiday): the township's admin."""
    return has_role(user, Role.ADMIN)


def may_export_visits(user) -> bool:
    """The visit ledger (走访台账) as .xlsx, of the visits `visits_visible_to` gives: those who
    oversee visits (admin, leader, group leader); a cadre reads their diary on the page."""
    return has_role(user, Role.ADMIN, Role.LEADER, Role.GROUP_LEADER)
