"""Account management writes: a user's roles, active state, staff/superuser flags and a password
set by someone else; a cadre taken off duty (停用) with their households handed over. Each checks
the policy (liaison.access: who manages whom, who grants which role) and writes its audit row in
the same transaction as the change."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.models import AuditEntry
from core.security.services import account_require_password_change
from liaison.access import (
    cadre_of,
    cadres_visible_to,
    has_role,
    may_manage_user,
    pairing_cadres_for,
    roles_grantable_by,
)
from liaison.models import Cadre, Pairing
from liaison.roles import Role
from liaison.services import pairing_assign, pairings_close


@dataclass(frozen=True)
class AccountState:
    """What account management may change, as it stands in the database."""

    is_active: bool
    is_staff: bool
    is_superuser: bool
    groups: tuple[str, ...]
    password: str  # the hash: compared, never recorded

    @classmethod
    def of(cls, user) -> AccountState:
        fresh = type(user)._default_manager.get(pk=user.pk)
        return cls(
            is_active=fresh.is_active,
            is_staff=fresh.is_staff,
            is_superuser=fresh.is_superuser,
            groups=tuple(sorted(fresh.groups.values_list("name", flat=True))),
            password=fresh.password,
        )


def _is_operator(user) -> bool:
    return bool(getattr(user, "is_superuser", False) and getattr(user, "is_active", False))


def _township_of(user):
    cadre = cadre_of(user)
    return cadre.township_id if cadre else None


def account_change_check(*, actor, user, before: AccountState | None, after: AccountState) -> None:
    """Refuse a change the actor may not make. A superuser may change anything; anyone else only
    users they manage, only the roles they may grant, and never the staff/superuser flags."""
    if _is_operator(actor):
        return
    if before is not None and not may_manage_user(actor, user):
        raise PermissionDenied
    old_groups = set(before.groups) if before else set()
    touched = old_groups ^ set(after.groups)
    grantable = {role.value for role in roles_grantable_by(actor)}
    if touched - grantable:
        raise PermissionDenied
    old_staff = (before.is_staff, before.is_superuser) if before else (False, False)
    if (after.is_staff, after.is_superuser) != old_staff:
        raise PermissionDenied


def account_changes(before: AccountState | None, after: AccountState) -> dict:
    """The audited difference: roles added/removed, flags old→new, whether the password changed."""
    if before is None:
        data = asdict(after)
        data.pop("password")
        data["groups"] = list(after.groups)
        return data
    changes: dict = {}
    for flag in ("is_active", "is_staff", "is_superuser"):
        if getattr(before, flag) != getattr(after, flag):
            changes[flag] = [getattr(before, flag), getattr(after, flag)]
    added = sorted(set(after.groups) - set(before.groups))
    removed = sorted(set(before.groups) - set(after.groups))
    if added or removed:
        changes["groups"] = {"added": added, "removed": removed}
    if before.password != after.password:
        changes["password"] = True
    return changes


def account_change_record(
    *, actor, user, before: AccountState | None, successor: Cadre | None = None, request=None
) -> AuditEntry | None:
    """After an account was created (before=None) or changed: check the change against the policy
    (PermissionDenied rolls the transaction back) and audit it. An account switched off takes its
    cadre off duty (`cadre_deactivate`, households to `successor` or unpaired; the result is on
    the returned entry as `deactivation`). Call inside the transaction that made the change;
    returns None when nothing audited changed."""
    with transaction.atomic():
        after = AccountState.of(user)
        account_change_check(actor=actor, user=user, before=before, after=after)
        changes = account_changes(before, after)
        if before is not None and not changes:
            return None
        if before is None:
            summary = f"新建账号：{user.get_username()}"
        else:
            summary = f"修改账号（{'、'.join(sorted(changes))}）：{user.get_username()}"
        entry = audit_record(
            actor=actor,
            action=AuditEntry.Action.SECURITY,
            obj=user,
            summary=summary,
            changes=changes,
            township_id=_township_of(user),
            request=request,
        )
        entry.deactivation = None
        if before is not None and before.is_active and not after.is_active:
            entry.deactivation = account_deactivation_follow(
                actor=actor, user=user, successor=successor, request=request
            )
        return entry


def account_password_set(*, actor, user, request=None) -> AuditEntry:
    """Another user (an administrator) set this user's password: audited; the user must replace
    it at the next login unless they set it for themselves."""

    with transaction.atomic():
        if not _is_operator(actor) and not may_manage_user(actor, user):
            raise PermissionDenied
        entry = audit_record(
            actor=actor,
            action=AuditEntry.Action.SECURITY,
            obj=user,
            summary=f"管理员重设密码：{user.get_username()}",
            changes={"password": True},
            township_id=_township_of(user),
            request=request,
        )
        if user.pk != getattr(actor, "pk", None) and user.has_usable_password():
            account_require_password_change(user=user, actor=actor, request=request)
    return entry


def account_attach_to_township(*, actor, user) -> None:
    """A township admin's new account belongs to its township (a cadre profile there), so it
    stays in the admin's scope; the profile's details are filled in on the cadre page."""

    township_id = _township_of(actor)
    if _is_operator(actor) or township_id is None or cadre_of(user) is not None:
        return
    name = user.get_full_name() or user.get_username()
    Cadre.objects.create(user=user, township_id=township_id, name=name[:32])
    user.__dict__.pop("_lianxin_roles", None)


# --- A cadre leaves (停用): the one rule for the organisation page, the admin pages and the API ---
# Who may: the operator, or an admin of the cadre's township (never for their own profile). Whom
# the households go to: a successor in the cadre's work group (the township for a cadre without
# one) whom the actor may pair households with. With no successor the households are left
# unpaired, and the group leader's worklist lists them (dashboard/worklist.py) until re-paired.
def may_deactivate_cadre(actor, cadre: Cadre) -> bool:
    if _is_operator(actor):
        return True
    if not has_role(actor, Role.ADMIN) or cadre.user_id == getattr(actor, "pk", None):
        return False
    return cadres_visible_to(actor).filter(pk=cadre.pk).exists()


def cadre_successors_for(actor, cadre: Cadre) -> QuerySet:
    """Cadres who may take over `cadre`'s households: on duty with an active account, in the
    same work group (or township), among those the actor may pair households with."""
    qs = (
        pairing_cadres_for(actor)
        .filter(user__is_active=True, township_id=cadre.township_id)
        .exclude(pk=cadre.pk)
    )
    if cadre.workgroup_id:
        qs = qs.filter(workgroup_id=cadre.workgroup_id)
    return qs.select_related("workgroup").order_by("name", "pk")


def successor_refused() -> str:
    return _("接替干部须为同一工作组内在岗的干部，且不能是被停用的干部本人。")


def cadre_open_pairings(cadre: Cadre) -> QuerySet:
    """The pairings a deactivation hands over (or ends)."""
    return Pairing.objects.current().filter(cadre=cadre)


@dataclass(frozen=True)
class Deactivation:
    cadre: Cadre
    successor: Cadre | None
    handed_over: int
    unpaired: int

    @property
    def message(self) -> str:
        """What the actor is told, whichever door they used."""
        if self.successor is not None:
            return _("已停用 %(name)s：%(n)s 户结对户已交接给 %(to)s。") % {
                "name": self.cadre.name,
                "n": self.handed_over,
                "to": self.successor.name,
            }
        if self.unpaired:
            return _(
                "已停用 %(name)s：%(n)s 户结对户列为未结对户，组长首页“未结对户”中可重新结对。"
            ) % {"name": self.cadre.name, "n": self.unpaired}
        return _("已停用 %(name)s（无结对户）。") % {"name": self.cadre.name}


@transaction.atomic
def cadre_deactivate(
    *, actor, cadre: Cadre, successor: Cadre | None = None, on=None, request=None
) -> Deactivation:
    """Take a cadre off duty. Their open pairings go to `successor` (ended the day before, a new
    pairing from `on`, through the pairing service) or, with no successor, end on `on` and the
    households show as unpaired on the group leader's worklist. Audited; safe to repeat (an
    inactive cadre who still holds pairings from before this rule is handed over the same way).
    """
    if not may_deactivate_cadre(actor, cadre):
        raise PermissionDenied
    if (
        successor is not None
        and not cadre_successors_for(actor, cadre).filter(pk=successor.pk).exists()
    ):
        raise ValidationError({"successor": successor_refused()})
    on = on or timezone.localdate()
    open_pairings = dict(
        cadre_open_pairings(cadre).select_for_update().values_list("pk", "household_id")
    )
    household_ids = sorted(open_pairings.values())
    if household_ids and successor is not None:
        pairing_assign(
            actor=actor, cadre=successor, household_ids=household_ids, on=on, request=request
        )
    elif household_ids:
        pairings_close(open_pairings, on=on, replaced=False)
    was_active = cadre.is_active
    if was_active:
        cadre.is_active = False
        cadre.save(update_fields=["is_active"])
    handed = len(household_ids) if successor is not None else 0
    if successor is not None:
        summary = f"停用干部：{cadre.name}，{handed} 户交接给 {successor.name}"
    else:
        summary = f"停用干部：{cadre.name}，{len(household_ids)} 户列为未结对户"
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=cadre,
        summary=summary,
        changes={
            "is_active": [was_active, False],
            "households": household_ids,
            "successor": successor.pk if successor is not None else None,
        },
        township_id=cadre.township_id,
        request=request,
    )
    return Deactivation(cadre, successor, handed, len(household_ids) - handed)


def account_deactivation_follow(
    *, actor, user, successor: Cadre | None = None, request=None
) -> Deactivation | None:
    """An account switched off (active → inactive) takes its cadre off duty by the same rule:
    the households are handed over or listed as unpaired, never left with a cadre who can no
    longer sign in (and gets no reminders)."""
    cadre = Cadre.objects.filter(user=user).first()
    if cadre is None or not (cadre.is_active or cadre_open_pairings(cadre).exists()):
        return None
    return cadre_deactivate(actor=actor, cadre=cadre, successor=successor, request=request)
