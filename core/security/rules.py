"""Who must do what before using the portal: change an initial password, enrol or verify TOTP."""

from __future__ import annotations

from django.conf import settings

from liaison.roles import Role

# Roles an administrator may oblige to use a second factor (the switch in 安全策略).
TWO_FACTOR_ROLES = (Role.ADMIN, Role.LEADER)


def must_change_password(user) -> bool:
    from core.models import AccountSecurity

    try:
        return user.account_security.must_change_password
    except AccountSecurity.DoesNotExist:
        return False


def roles_requiring_2fa() -> set[str]:
    from core.models import SecurityPolicy

    roles = {str(r) for r in getattr(settings, "REQUIRE_2FA_FOR_ROLES", [])}
    policy = SecurityPolicy.load()
    if policy.require_2fa_for_admins:
        roles.add(Role.ADMIN.value)
    if policy.require_2fa_for_leaders:
        roles.add(Role.LEADER.value)
    return roles


def second_factor_required(user) -> bool:
    """A user of a role listed in REQUIRE_2FA_FOR_ROLES or the 安全策略 switches needs TOTP.
    Superusers count as admins (liaison.access.roles_of)."""
    from liaison.access import roles_of

    required = roles_requiring_2fa()
    return bool(required) and bool({r.value for r in roles_of(user)} & required)


def has_confirmed_device(user) -> bool:
    from django_otp import user_has_device

    return user_has_device(user, confirmed=True)
