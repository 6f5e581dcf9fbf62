"""Who may see and change households, their members, help records and roster imports.

Pages, the API, the admin (`liaison.admin_scope`), the roster import and the exports load
households only through `households_visible_to` / `access_household*` here. A household outside
the user's scope is a 404, never a 403 that confirms it exists.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from households.models import HelpRecord, Household, RosterImport
from liaison.access import (
    cadre_of,
    cadres_visible_to,
    has_role,
    roles_of,
    township_id_of,
    township_scope,
)
from liaison.models import Pairing, Village
from liaison.roles import Role

SEES_ALL_HOUSEHOLDS = (Role.ADMIN, Role.LEADER)


def households_visible_to(user) -> QuerySet:
    """Households the user may read.

    admin, leader: their township (district-level users: all). work-group leader: the villages of
    their group. cadre: households currently paired with them. village handler: their village.
    committee staff and department liaisons: the households of issues they handle.
    """
    qs = township_scope(Household.objects.all(), user)
    held = roles_of(user)
    if held & set(SEES_ALL_HOUSEHOLDS):
        return qs
    cadre = cadre_of(user)
    if cadre is None:
        return qs.none()
    condition = _own_households_q(held, cadre)
    if Role.VILLAGE_HANDLER in held and cadre.village_id:
        condition |= Q(village_id=cadre.village_id)
    extra = _households_of_handled_issues(user, held)
    if extra is not None:
        condition |= extra
    return qs.filter(condition).distinct()


def _own_households_q(held, cadre) -> Q:
    """The households a cadre answers for: a group leader the villages of the group, a cadre
    those now paired with them. Both reading and editing start from this."""
    condition = Q(pk__in=[])
    if Role.GROUP_LEADER in held and cadre.workgroup_id:
        condition |= Q(village__workgroups=cadre.workgroup_id)
    if Role.CADRE in held:
        condition |= Q(pairings__cadre=cadre, pairings__end_date__isnull=True)
    return condition


# Apps above households widen who reads a household: the issues app lets committee staff and
# department liaisons read the households of the issues they handle. Each registers a function
# (user, held roles) -> household ids, or None, from its AppConfig.ready(); no upward import.
_EXTRA_READERS: list = []


def register_household_readers(ids_for) -> None:
    """Called from a higher app's AppConfig.ready(): `ids_for(user, held)` returns a queryset of
    household ids the user may also read, or None."""
    if ids_for not in _EXTRA_READERS:
        _EXTRA_READERS.append(ids_for)


def _households_of_handled_issues(user, held) -> Q | None:
    condition = None
    for ids_for in _EXTRA_READERS:
        ids = ids_for(user, held)
        if ids is not None:
            condition = Q(pk__in=ids) if condition is None else condition | Q(pk__in=ids)
    return condition


def access_household(user, pk):
    """The household with this pk if the user may read it; otherwise 404."""
    try:
        return households_visible_to(user).get(pk=pk)
    except (ValueError, TypeError, Household.DoesNotExist):
        raise Http404 from None


# --- Editing households, members and help records ---------------------------------------------
# Who writes resident data (DESIGN.md, liaison/roles.py): the township's admin (the clerk), a
# work-group leader for the villages of the group, and a cadre for the households now paired with
# them. Leaders, committee staff, village handlers and department liaisons only read. Corrections
# and voiding of help records (结对帮扶) are for the admin and group leader, and for whoever entered
# the record while they may still see the household: a cadre fixes their own slip, nobody else's.
def households_editable_by(user) -> QuerySet:
    """Households whose details, members and help records the user may change.

    Built from the editing roles only, so a cadre who is also a village handler cannot edit the
    village's other households."""
    qs = township_scope(Household.objects.all(), user)
    held = roles_of(user)
    if Role.ADMIN in held:
        return qs
    cadre = cadre_of(user)
    if cadre is None:
        return qs.none()
    return qs.filter(_own_households_q(held, cadre)).distinct()


def may_edit_household(user, household) -> bool:
    return households_editable_by(user).filter(pk=household.pk).exists()


def access_household_for_edit(user, pk):
    """The household if the user may change it. Not visible: 404; visible, read-only: 403."""
    household = access_household(user, pk)
    if not may_edit_household(user, household):
        raise PermissionDenied
    return household


def villages_assignable_by(user, household) -> QuerySet:
    """Villages a user may move a household into, within its township: an admin any active
    village, a group leader those of the group. A cadre never moves a household (it would leave
    their group's scope)."""
    active = Village.objects.filter(is_active=True, township_id=household.township_id)
    qs = township_scope(active, user)
    if has_role(user, Role.ADMIN):
        return qs
    cadre = cadre_of(user)
    if has_role(user, Role.GROUP_LEADER) and cadre and cadre.workgroup_id:
        return qs.filter(workgroups=cadre.workgroup_id).distinct()
    return qs.none()


def may_recode_household(user, household) -> bool:
    """The 户编号 is the roster's key (the import matches on it): only the admin who keeps the
    roster renumbers a household."""
    return has_role(user, Role.ADMIN) and may_edit_household(user, household)


def may_change_household_status(user, household) -> bool:
    """Closing a household or marking it moved away (and undoing that) ends it in the roster:
    the admin's, like creating one. Cadres and group leaders mark members, not households."""
    return has_role(user, Role.ADMIN) and may_edit_household(user, household)


def households_revealable_by(user) -> QuerySet:
    """Households whose full ID and phone numbers the user may reveal (always audited): see
    `may_reveal_identity`."""
    if not may_reveal_identity(user):
        return households_visible_to(user).none()
    return households_visible_to(user)


def may_correct_help_records(user, household) -> bool:
    """Correcting a household's help records: the admin, or the group leader of its village."""
    editable = households_editable_by(user).filter(pk=household.pk)
    if has_role(user, Role.ADMIN):
        return editable.exists()
    cadre = cadre_of(user)
    if not (has_role(user, Role.GROUP_LEADER) and cadre and cadre.workgroup_id):
        return False
    return editable.filter(village__workgroups=cadre.workgroup_id).exists()


def help_records_correctable_by(user, household) -> QuerySet:
    """The household's help records the user may correct or void: every one for those who
    `may_correct_help_records`, otherwise those the user entered, while they may still see the
    household. A voided record is corrected by no one."""
    records = household.help_records.valid()
    if may_correct_help_records(user, household):
        return records
    if not households_visible_to(user).filter(pk=household.pk).exists():
        return records.none()
    return records.filter(recorded_by=user.pk)


def access_help_record_for_correction(user, pk, record_pk):
    """(household, help record) if the user may correct or void it. A household or record they
    cannot see, or a voided record, is a 404; one they may only read, a 403."""

    household = access_household(user, pk)
    try:
        record = household.help_records.valid().select_related("cadre").get(pk=record_pk)
    except (ValueError, TypeError, HelpRecord.DoesNotExist):
        raise Http404 from None
    if not help_records_correctable_by(user, household).filter(pk=record.pk).exists():
        raise PermissionDenied
    return household, record


def helper_cadres_for(user, household) -> QuerySet:
    """Cadres a user may name as the helper of a household's help record: the active cadres of
    its township that they can see (a cadre: only themselves)."""
    return cadres_visible_to(user).filter(is_active=True, township_id=household.township_id)


def may_reveal_identity(user, household=None) -> bool:
    """Full ID and phone numbers (an audited reveal): admins, and the cadres, group leaders and
    village handlers responsible for the household. Leaders and committee staff see masks."""
    if has_role(user, Role.ADMIN):
        return True
    if not has_role(user, Role.GROUP_LEADER, Role.CADRE, Role.VILLAGE_HANDLER):
        return False
    if household is None:
        return True
    return households_visible_to(user).filter(pk=household.pk).exists()


def may_import_roster(user) -> bool:
    return has_role(user, Role.ADMIN)


def may_create_household(user) -> bool:
    """New households come from the roster: admins add them (import or API), nobody else."""
    return has_role(user, Role.ADMIN)


def roster_imports_visible_to(user) -> QuerySet:
    """Roster imports (households.RosterImport) an importer may see: their township's."""
    if not may_import_roster(user):
        return RosterImport.objects.none()
    township_id = township_id_of(user)
    qs = RosterImport.objects.all()
    return qs.filter(township_id=township_id) if township_id is not None else qs


def may_export(user) -> bool:
    return has_role(user, Role.ADMIN, Role.LEADER, Role.GROUP_LEADER)


def pairing_households_for(user) -> QuerySet:
    """Households whose pairing the user may change: admin their township, a group leader the
    villages of their group."""
    if has_role(user, Role.ADMIN):
        qs = Household.objects.all()
        township_id = township_id_of(user)
        return qs.filter(township_id=township_id) if township_id is not None else qs
    cadre = cadre_of(user)
    if has_role(user, Role.GROUP_LEADER) and cadre and cadre.workgroup_id:
        return Household.objects.filter(
            township_id=cadre.township_id, village__workgroups=cadre.workgroup_id
        )
    return Household.objects.none()


def pairings_visible_to(user) -> QuerySet:
    return Pairing.objects.filter(household__in=households_visible_to(user))
