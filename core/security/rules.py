"""Who must do what before using the portal: change an initial password, enrol or verify TOTP.

The platform knows users, not the organisation's roles: the organisation app tells it which role
names a user holds (`register_role_names`, called from `LiaisonConfig.ready()`), and the 安全策略
switches name the two roles they cover by their group names."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django_otp import user_has_device

from core.models import AccountSecurity, SecurityPolicy

# The group names of the roles the 安全策略 switches cover (liaison.roles.Role values).
ADMIN_ROLE, LEADER_ROLE = "admin", "leader"


def _group_names(user) -> set[str]:
    return {g.name for g in user.groups.all()}


_role_names_of: Callable = _group_names


def register_role_names(role_names_of: Callable) -> None:
    """The organisation app's `user -> set of role names` (superusers count as admins)."""
    global _role_names_of
    _role_names_of = role_names_of


def must_change_password(user) -> bool:
    try:
        return user.account_security.must_change_password
    except AccountSecurity.DoesNotExist:
        return False


def roles_requiring_2fa() -> set[str]:
    roles = {str(r) for r in getattr(settings, "REQUIRE_2FA_FOR_ROLES", [])}
    policy = SecurityPolicy.load()
    if policy.require_2fa_for_admins:
        roles.add(ADMIN_ROLE)
    if policy.require_2fa_for_leaders:
        roles.add(LEADER_ROLE)
    return roles


def second_factor_required(user) -> bool:
    """A user of a role listed in REQUIRE_2FA_FOR_ROLES or the 安全策略 switches needs TOTP."""
    required = roles_requiring_2fa()
    return bool(required) and bool(set(_role_names_of(user)) & required)


def has_confirmed_device(user) -> bool:
    return user_has_device(user, confirmed=True)
