"""The one access policy: which role may see or do what on which object.

Views, the API and the admin load protected objects only through the scopes and `access_*`
helpers here. A record outside the user's scope is a 404, never a 403 that confirms it exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from liaison.roles import ROLE_PRIORITY, Role


# --- Who the user is ---------------------------------------------------------------------------
def roles_of(user) -> frozenset[Role]:
    """All roles of a user (cached on the user object for the request)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_lianxin_roles", None)
    if cached is None:
        names = {g.name for g in user.groups.all()}
        cached = frozenset(r for r in Role if r.value in names)
        if user.is_superuser:
            cached = cached | {Role.ADMIN}
        user._lianxin_roles = cached
    return cached


def role_of(user) -> Role | None:
    """The user's primary role: the one that decides the home page."""
    held = roles_of(user)
    return next((r for r in ROLE_PRIORITY if r in held), None)


def has_role(user, *roles: Role) -> bool:
    return bool(roles_of(user) & set(roles))


def cadre_of(user):
    """The user's Cadre profile, or None (a superuser may have none)."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.cadre
    except Exception:  # RelatedObjectDoesNotExist
        return None


def township_id_of(user) -> int | None:
    """None means district level: the user sees every township."""
    cadre = cadre_of(user)
    return cadre.township_id if cadre else None


def _township_scope(qs: QuerySet, user) -> QuerySet:
    """The queryset limited to the user's township (district-level users: all); empty for a user
    who holds no role. Every `*_visible_to` starts here."""
    if not roles_of(user):
        return qs.none()
    township_id = township_id_of(user)
    return qs if township_id is None else qs.filter(township_id=township_id)


SEES_ALL_HOUSEHOLDS = (Role.ADMIN, Role.LEADER)


# --- Households --------------------------------------------------------------------------------
def households_visible_to(user) -> QuerySet:
    """Households the user may read.

    admin, leader: their township (district-level users: all). work-group leader: the villages of
    their group. cadre: households currently paired with them. village handler: their village.
    committee staff and department liaisons: the households of issues they handle.
    """
    from households.models import Household

    qs = _township_scope(Household.objects.all(), user)
    held = roles_of(user)
    if held & set(SEES_ALL_HOUSEHOLDS):
        return qs
    cadre = cadre_of(user)
    if cadre is None:
        return qs.none()
    condition = _own_households_q(held, cadre)
    if Role.VILLAGE_HANDLER in held and cadre.village_id:
        condition |= Q(village_id=cadre.village_id)
    issue_scope = _households_of_handled_issues(user, held)
    if issue_scope is not None:
        condition |= Q(pk__in=issue_scope)
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


def _households_of_handled_issues(user, held):
    """Committee staff and department liaisons read the households their issues concern."""
    if not held & {Role.COMMITTEE_STAFF, Role.DEPARTMENT_LIAISON}:
        return None
    try:
        from issues.access import issue_household_ids_for
    except ImportError:  # the issues app does not provide it yet
        return None
    return issue_household_ids_for(user, held)


def access_household(user, pk):
    """The household with this pk if the user may read it; otherwise 404."""
    from households.models import Household

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
    from households.models import Household

    qs = _township_scope(Household.objects.all(), user)
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
    from django.core.exceptions import PermissionDenied

    household = access_household(user, pk)
    if not may_edit_household(user, household):
        raise PermissionDenied
    return household


def villages_assignable_by(user, household) -> QuerySet:
    """Villages a user may move a household into, within its township: an admin any active
    village, a group leader those of the group. A cadre never moves a household (it would leave
    their group's scope)."""
    from liaison.models import Village

    active = Village.objects.filter(is_active=True, township_id=household.township_id)
    qs = _township_scope(active, user)
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
    from django.core.exceptions import PermissionDenied

    from households.models import HelpRecord

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
    from households.models import RosterImport

    if not may_import_roster(user):
        return RosterImport.objects.none()
    township_id = township_id_of(user)
    qs = RosterImport.objects.all()
    return qs.filter(township_id=township_id) if township_id is not None else qs


def may_export(user) -> bool:
    return has_role(user, Role.ADMIN, Role.LEADER, Role.GROUP_LEADER)


# --- Navigation --------------------------------------------------------------------------------
@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str
    roles: tuple[Role, ...]


ALL_ROLES = tuple(Role)
NAV_ITEMS = (
    NavItem(_("首页"), "home", "house", ALL_ROLES),
    NavItem(
        _("住户"),
        "households:list",
        "people",
        (Role.ADMIN, Role.LEADER, Role.GROUP_LEADER, Role.CADRE, Role.VILLAGE_HANDLER),
    ),
    NavItem(
        _("民情日记"),
        "liaison:visit-list",
        "journal-text",
        (Role.ADMIN, Role.LEADER, Role.GROUP_LEADER, Role.CADRE),
    ),
    NavItem(_("群众诉求"), "issues:list", "chat-square-text", ALL_ROLES),
    NavItem(_("分派队列"), "issues:triage", "inbox", (Role.ADMIN, Role.COMMITTEE_STAFF)),
    NavItem(
        _("统计分析"),
        "liaison:dashboard",
        "bar-chart",
        (Role.ADMIN, Role.LEADER, Role.COMMITTEE_STAFF, Role.GROUP_LEADER),
    ),
    NavItem(_("结对管理"), "liaison:pairings", "link-45deg", (Role.ADMIN, Role.GROUP_LEADER)),
    NavItem(_("走访安排"), "liaison:contact-days", "calendar-event", (Role.ADMIN,)),
    NavItem(_("花名册导入"), "households:import", "upload", (Role.ADMIN,)),
    NavItem(_("系统管理"), "admin:index", "gear", (Role.ADMIN,)),
)


def nav_items_for(user) -> list[dict]:
    """The navigation a user sees: only what their roles may use, and only pages that exist."""
    held = roles_of(user)
    items = []
    for item in NAV_ITEMS:
        if not held & set(item.roles):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue  # that part of the product is not installed yet
        items.append({"label": item.label, "url": url, "icon": item.icon, "name": item.url_name})
    return items


# --- Visits (民情日记) ---------------------------------------------------------------------------
VISIT_EDIT_WINDOW_HOURS = 24


def visits_visible_to(user) -> QuerySet:
    """Visits the user may read: admin/leader their township; a group leader the visits of their
    group's villages; a cadre their own visits and those of the households now paired with them."""
    from visits.models import Visit

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
    from visits.models import Visit

    try:
        return visits_visible_to(user).get(pk=pk)
    except (ValueError, TypeError, Visit.DoesNotExist):
        raise Http404 from None


def households_for_visits(user) -> QuerySet:
    """The households a user may log a visit for: those now paired with them, nothing else."""
    from households.models import Household

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
    from households.models import Household

    try:
        return households_for_visits(user).get(pk=pk)
    except (ValueError, TypeError, Household.DoesNotExist):
        raise Http404 from None


def may_edit_visit(user, visit, *, now=None) -> bool:
    """The author, within 24 hours of logging it; afterwards the entry is locked."""
    from django.utils import timezone

    cadre = cadre_of(user)
    if cadre is None or visit.cadre_id != cadre.pk:
        return False
    now = now or timezone.now()
    return now < visit.created_at + timezone.timedelta(hours=VISIT_EDIT_WINDOW_HOURS)


def may_correct_visit(user, visit) -> bool:
    """Corrections (appended notes): the author, and the group leader or admin of the township."""
    cadre = cadre_of(user)
    if cadre is not None and visit.cadre_id == cadre.pk:
        return True
    return has_role(user, Role.ADMIN, Role.GROUP_LEADER)


# --- Pairings and the organisation --------------------------------------------------------------
def may_manage_pairings(user) -> bool:
    return has_role(user, Role.ADMIN, Role.GROUP_LEADER)


def workgroups_visible_to(user) -> QuerySet:
    from liaison.models import WorkGroup

    qs = _township_scope(WorkGroup.objects.all(), user)
    held = roles_of(user)
    if held & {Role.ADMIN, Role.LEADER, Role.COMMITTEE_STAFF}:
        return qs
    cadre = cadre_of(user)
    if cadre is None or not cadre.workgroup_id:
        return qs.none()
    return qs.filter(pk=cadre.workgroup_id)


def cadres_visible_to(user) -> QuerySet:
    from liaison.models import Cadre

    qs = _township_scope(Cadre.objects.all(), user)
    held = roles_of(user)
    if held & {Role.ADMIN, Role.LEADER, Role.COMMITTEE_STAFF}:
        return qs
    cadre = cadre_of(user)
    if cadre is None:
        return qs.none()
    if Role.GROUP_LEADER in held and cadre.workgroup_id:
        return qs.filter(Q(workgroup_id=cadre.workgroup_id) | Q(pk=cadre.pk))
    return qs.filter(pk=cadre.pk)


def pairing_households_for(user) -> QuerySet:
    """Households whose pairing the user may change: admin their township, a group leader the
    villages of their group."""
    from households.models import Household

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


def pairing_cadres_for(user) -> QuerySet:
    """Cadres a user may pair households with: admin any active cadre of their township, a group
    leader the members of their group."""
    from liaison.models import Cadre

    qs = Cadre.objects.filter(is_active=True)
    if has_role(user, Role.ADMIN):
        township_id = township_id_of(user)
        return qs.filter(township_id=township_id) if township_id is not None else qs
    cadre = cadre_of(user)
    if has_role(user, Role.GROUP_LEADER) and cadre and cadre.workgroup_id:
        return qs.filter(workgroup_id=cadre.workgroup_id)
    return qs.none()


def pairings_visible_to(user) -> QuerySet:
    from liaison.models import Pairing

    return Pairing.objects.filter(household__in=households_visible_to(user))


# --- Dashboards (统计分析) -----------------------------------------------------------------------
@dataclass(frozen=True)
class DashboardScope:
    """What a dashboard reader sees: the whole township (admin, leader), the issues of their
    committees (committee staff), or the villages and members of their work group (group leader).
    `township_id` None = district level. The `*_q` methods turn the scope into filters."""

    kind: str  # "township" | "committee" | "workgroup"
    township_id: int | None
    committee_ids: tuple[int, ...] = ()
    workgroup_id: int | None = None
    village_ids: tuple[int, ...] = ()

    @property
    def shows_visits(self) -> bool:
        return self.kind != "committee"

    def issues_q(self, prefix: str = "") -> Q:
        q = Q() if self.township_id is None else Q(**{f"{prefix}township_id": self.township_id})
        if self.kind == "committee":
            q &= Q(**{f"{prefix}committee_id__in": self.committee_ids})
        elif self.kind == "workgroup":
            # as issues.access scopes a group leader: the issue's village or its household's
            q &= Q(**{f"{prefix}village_id__in": self.village_ids}) | Q(
                **{f"{prefix}household__village_id__in": self.village_ids}
            )
        return q

    def cadres_q(self, prefix: str = "") -> Q:
        """Cadres whose visits and pairings the scope covers (committee scope: none)."""
        if self.kind == "committee":
            return Q(pk__in=[])
        q = Q() if self.township_id is None else Q(**{f"{prefix}township_id": self.township_id})
        if self.kind == "workgroup":
            q &= Q(**{f"{prefix}workgroup_id": self.workgroup_id})
        return q


def dashboard_scope_of(user) -> DashboardScope | None:
    """The broadest dashboard the user's roles allow, or None (no dashboard)."""
    held = roles_of(user)
    township_id = township_id_of(user)
    if held & {Role.ADMIN, Role.LEADER}:
        return DashboardScope("township", township_id)
    cadre = cadre_of(user)
    if cadre is None:
        return None
    if Role.COMMITTEE_STAFF in held:
        ids = tuple(cadre.committee_memberships.values_list("committee_id", flat=True))
        return DashboardScope("committee", township_id, committee_ids=ids)
    if Role.GROUP_LEADER in held and cadre.workgroup_id:
        from liaison.models import WorkGroup

        villages = WorkGroup.objects.filter(pk=cadre.workgroup_id, village__isnull=False)
        return DashboardScope(
            "workgroup",
            township_id,
            workgroup_id=cadre.workgroup_id,
            village_ids=tuple(villages.values_list("village_id", flat=True)),
        )
    return None


def may_record_survey(user) -> bool:
    """Cadres and group leaders record satisfaction survey answers for their own households."""
    return has_role(user, Role.CADRE, Role.GROUP_LEADER)


def may_manage_surveys(user) -> bool:
    return has_role(user, Role.ADMIN)


# --- Users and their roles (the admin site's user pages, and any later door) -------------------
# Only a superuser (the district/system operator) manages admins and the staff/superuser flags.
# A township admin manages the users whose cadre profile is in its township, except admins and
# superusers, and grants only the roles below its own.
def roles_grantable_by(user) -> frozenset[Role]:
    """The roles `user` may give or take away."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return frozenset(Role)
    if has_role(user, Role.ADMIN) and township_id_of(user) is not None:
        return frozenset(Role) - {Role.ADMIN}
    return frozenset()


def users_visible_to(user) -> QuerySet:
    """Users whose accounts `user` may look at: a superuser all; a township admin those with a
    cadre profile in its township, and itself; anyone else only itself."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    if getattr(user, "is_superuser", False) and user.is_active:
        return User.objects.all()
    if not getattr(user, "is_authenticated", False):
        return User.objects.none()
    township_id = township_id_of(user)
    if has_role(user, Role.ADMIN) and township_id is not None:
        return User.objects.filter(Q(cadre__township_id=township_id) | Q(pk=user.pk))
    return User.objects.filter(pk=user.pk)


def users_manageable_by(user) -> QuerySet:
    """Users whose account (roles, active state, password) `user` may change: a superuser all; a
    township admin the users of its township who are neither admins nor superusers (so never
    itself)."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return users_visible_to(user)
    if not roles_grantable_by(user):
        return users_visible_to(user).none()
    return (
        users_visible_to(user)
        .exclude(pk=user.pk)
        .exclude(is_superuser=True)
        .exclude(groups__name=Role.ADMIN.value)
    )


def may_manage_user(user, target) -> bool:
    return users_manageable_by(user).filter(pk=target.pk).exists()
