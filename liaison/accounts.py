"""Account management writes: a user's roles, active state, staff/superuser flags and a password
set by someone else. Each checks the policy (liaison.access: who manages whom, who grants which
role) and writes its audit row in the same transaction as the change."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction

from core.audit import audit_record
from core.models import AuditEntry
from core.security.services import account_require_password_change
from liaison.access import cadre_of, may_manage_user, roles_grantable_by
from liaison.models import Cadre


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
    *, actor, user, before: AccountState | None, request=None
) -> AuditEntry | None:
    """After an account was created (before=None) or changed: check the change against the policy
    (PermissionDenied rolls the transaction back) and audit it. Call inside the transaction that
    made the change; returns None when nothing audited changed."""
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
        return audit_record(
            actor=actor,
            action=AuditEntry.Action.SECURITY,
            obj=user,
            summary=summary,
            changes=changes,
            township_id=_township_of(user),
            request=request,
        )


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
