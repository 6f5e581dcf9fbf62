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

from .roles import ROLE_PRIORITY, Role


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


SEES_ALL_HOUSEHOLDS = (Role.ADMIN, Role.LEADER)


# --- Households --------------------------------------------------------------------------------
def households_visible_to(user) -> QuerySet:
    """Households the user may read.

    admin, leader: their township (district-level users: all). work-group leader: the villages of
    their group. cadre: households currently paired with them. village handler: their village.
    committee staff and department liaisons: the households of issues they handle.
    """
    from households.models import Household

    qs = Household.objects.all()
    held = roles_of(user)
    if not held:
        return qs.none()
    township_id = township_id_of(user)
    if township_id is not None:
        qs = qs.filter(township_id=township_id)
    if held & set(SEES_ALL_HOUSEHOLDS):
        return qs
    cadre = cadre_of(user)
    if cadre is None:
        return qs.none()
    condition = Q(pk__in=[])
    if Role.GROUP_LEADER in held and cadre.workgroup_id:
        condition |= Q(village__workgroups=cadre.workgroup_id)
    if Role.CADRE in held:
        condition |= Q(pairings__cadre=cadre, pairings__end_date__isnull=True)
    if Role.VILLAGE_HANDLER in held and cadre.village_id:
        condition |= Q(village_id=cadre.village_id)
    issue_scope = _households_of_handled_issues(user, held)
    if issue_scope is not None:
        condition |= Q(pk__in=issue_scope)
    return qs.filter(condition).distinct()


def _households_of_handled_issues(user, held):
    """Committee staff and department liaisons read the households their issues concern."""
    if not held & {Role.COMMITTEE_STAFF, Role.DEPARTMENT_LIAISON}:
        return None
    try:
        from issues.policy import issue_household_ids_for
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


def may_edit_household(user, household) -> bool:
    if has_role(user, Role.ADMIN):
        return True
    if not has_role(user, Role.GROUP_LEADER, Role.CADRE):
        return False
    return households_visible_to(user).filter(pk=household.pk).exists()


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
