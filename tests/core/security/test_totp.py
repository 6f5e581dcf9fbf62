"""Optional TOTP second factor; administrators can require it for the admin and leader roles."""

import pytest
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import AuditEntry, SecurityPolicy
from liaison.roles import Role

pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def reset_throttle(device: TOTPDevice) -> None:
    """A wrong code throttles the device for a second (django-otp); a test has no second."""
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()


def require_2fa_for_leaders() -> None:
    policy = SecurityPolicy.load()
    policy.require_2fa_for_leaders = True
    policy.save()


def test_a_leader_without_a_device_is_sent_to_enrol_when_required(make_user, login, client):
    require_2fa_for_leaders()
    leader = make_user(Role.LEADER)
    login(leader.username)

    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("security:totp-enrol"))

    page = client.get(reverse("security:totp-enrol"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html
    assert 'data-testid="2fa-required"' in html
    device = TOTPDevice.objects.get(user=leader, confirmed=False)

    wrong = client.post(reverse("security:totp-enrol"), {"token": "000000"})
    assert wrong.status_code == 200
    assert "动态口令不正确" in wrong.content.decode()

    reset_throttle(device)
    done = client.post(reverse("security:totp-enrol"), {"token": code_for(device)})
    assert done.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("home")).status_code == 200
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.SECURITY, actor=leader, summary__contains="双因素"
    ).exists()


def test_other_roles_are_not_obliged(make_user, login, client):
    require_2fa_for_leaders()
    login(make_user(Role.CADRE).username)
    assert client.get(reverse("home")).status_code == 200


@override_settings(REQUIRE_2FA_FOR_ROLES=["admin"])
def test_the_setting_requires_it_for_admins_too(make_user, login, client):
    login(make_user(Role.ADMIN).username)
    response = client.get(reverse("home"))
    assert response.url.startswith(reverse("security:totp-enrol"))


def test_a_user_with_a_device_must_enter_a_code_at_each_login(make_user, login, client):
    user = make_user(Role.CADRE)  # optional 2FA: any user may enrol
    device = TOTPDevice.objects.create(user=user, name="手机", confirmed=True)
    login(user.username)

    response = client.get(reverse("home"))
    assert response.url.startswith(reverse("security:totp-verify"))
    assert client.get("/households/").status_code == 302

    wrong = client.post(reverse("security:totp-verify"), {"token": "123456"})
    assert "动态口令不正确" in wrong.content.decode()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN_FAILED, actor=user).exists()

    reset_throttle(device)
    ok = client.post(reverse("security:totp-verify"), {"token": code_for(device), "next": "/"})
    assert ok.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_the_policy_switch_is_audited_in_the_admin(make_user, client):
    admin = make_user(Role.ADMIN, superuser=True)
    client.force_login(admin)
    response = client.post(
        reverse("admin:core_securitypolicy_add"),
        {"require_2fa_for_admins": "on", "require_2fa_for_leaders": "on"},
    )
    assert response.status_code == 302
    policy = SecurityPolicy.load()
    assert policy.require_2fa_for_admins and policy.require_2fa_for_leaders
    entry = AuditEntry.objects.get(object_type="core.securitypolicy")
    assert entry.actor == admin
    assert entry.changes["require_2fa_for_leaders"] is True


def test_guessing_codes_is_throttled(make_user, login, client):
    user = make_user(Role.CADRE)
    device = TOTPDevice.objects.create(user=user, name="手机", confirmed=True)
    login(user.username)
    client.post(reverse("security:totp-verify"), {"token": "000000"})
    # right after a wrong guess even the right code is refused (django-otp doubles the delay)
    again = client.post(reverse("security:totp-verify"), {"token": code_for(device)})
    assert again.status_code == 200
    assert "动态口令不正确" in again.content.decode()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN_FAILED, actor=user).count() == 2
    response = client.get(reverse("home"))
    assert response.url.startswith(reverse("security:totp-verify"))
