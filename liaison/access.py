"""Who the user is (roles, cadre profile, township) and who may see or manage the organisation:
work groups, cadres, pairings' cadres, user accounts.

The shared core of every app's access module (`households/access.py`, `visits/access.py`,
`issues/access.py`, `dashboard/access.py`): each starts from `township_scope` and the identity
helpers here. A record outside the user's scope is a 404, never a 403 that confirms it exists.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from liaison.models import Cadre, WorkGroup
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


def township_scope(qs: QuerySet, user) -> QuerySet:
    """The queryset limited to the user's township (district-level users: all); empty for a user
    who holds no role. Every `*_visible_to` starts here."""
    if not roles_of(user):
        return qs.none()
    township_id = township_id_of(user)
    return qs if township_id is None else qs.filter(township_id=township_id)


# --- Pairings and the organisation --------------------------------------------------------------
def may_manage_pairings(user) -> bool:
    return has_role(user, Role.ADMIN, Role.GROUP_LEADER)


def workgroups_visible_to(user) -> QuerySet:
    qs = township_scope(WorkGroup.objects.all(), user)
    held = roles_of(user)
    if held & {Role.ADMIN, Role.LEADER, Role.COMMITTEE_STAFF}:
        return qs
    cadre = cadre_of(user)
    if cadre is None or not cadre.workgroup_id:
        return qs.none()
    return qs.filter(pk=cadre.workgroup_id)


def cadres_visible_to(user) -> QuerySet:
    qs = township_scope(Cadre.objects.all(), user)
    held = roles_of(user)
    if held & {Role.ADMIN, Role.LEADER, Role.COMMITTEE_STAFF}:
        return qs
    cadre = cadre_of(user)
    if cadre is None:
        return qs.none()
    if Role.GROUP_LEADER in held and cadre.workgroup_id:
        return qs.filter(Q(workgroup_id=cadre.workgroup_id) | Q(pk=cadre.pk))
    return qs.filter(pk=cadre.pk)


def pairing_cadres_for(user) -> QuerySet:
    """Cadres a user may pair households with: admin any active cadre of their township, a group
    leader the members of their group."""
    qs = Cadre.objects.filter(is_active=True)
    if has_role(user, Role.ADMIN):
        township_id = township_id_of(user)
        return qs.filter(township_id=township_id) if township_id is not None else qs
    cadre = cadre_of(user)
    if has_role(user, Role.GROUP_LEADER) and cadre and cadre.workgroup_id:
        return qs.filter(workgroup_id=cadre.workgroup_id)
    return qs.none()


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
