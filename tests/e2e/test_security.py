"""Security journeys in Chromium: the CSP blocks nothing of ours (no console violation, the
language switch still works without its old inline handler), a leader obliged to use 2FA enrols
by scanning the QR code, and a flagged user changes the initial password at first login."""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from core.models import SecurityPolicy
from core.security.services import account_require_password_change
from liaison.roles import Role
from tests.e2e.conftest import PHONE, login, navigate, screenshot
from tests.factories import CadreFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "Passw0rd!x"


def watch_console(page) -> list[str]:
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and "favicon.ico" not in m.location.get("url", "")
            and problems.append(f"{m.text} {m.location.get('url', '')}")
        ),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def account(role, **kwargs):
    user = UserFactory(roles=[role])
    CadreFactory(user=user, name="测试干部", **kwargs)
    return user


def test_pages_run_under_the_csp_without_violations(new_page):
    user = account(Role.CADRE)
    page = new_page(viewport=PHONE)
    problems = watch_console(page)
    login(page, user.username, PASSWORD)
    expect(page.get_by_test_id("whoami")).to_have_count(1)
    page.locator(".navbar-toggler").click()  # Bootstrap's script runs under the policy
    with page.expect_navigation():
        page.get_by_test_id("language").first.select_option("en")  # data-autosubmit
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    assert problems == []
    screenshot(page, "security-csp-home-en")


def test_a_leader_obliged_to_use_2fa_enrols_with_the_qr_code(new_page):
    policy = SecurityPolicy.load()
    policy.require_2fa_for_leaders = True
    policy.save()
    leader = account(Role.LEADER)
    page = new_page(viewport=PHONE)
    problems = watch_console(page)
    login(page, leader.username, PASSWORD)

    assert "/accounts/2fa/enrol/" in page.url
    assert page.get_by_test_id("2fa-required").is_visible()
    assert page.get_by_test_id("totp-qr").locator("svg").is_visible()
    screenshot(page, "security-2fa-enrol")

    device = TOTPDevice.objects.get(user=leader, confirmed=False)
    page.fill("#id_token", f"{totp(device.bin_key):06d}")
    navigate(page, "main button[type=submit]")
    assert "/accounts/2fa/" not in page.url
    expect(page.get_by_test_id("whoami")).to_have_count(1)
    assert problems == []


def test_a_new_account_changes_its_initial_password_at_first_login(new_page):
    user = account(Role.CADRE)
    account_require_password_change(user=user, actor=None)
    page = new_page(viewport=PHONE)
    login(page, user.username, PASSWORD)

    assert "/accounts/password/" in page.url
    assert page.get_by_test_id("must-change").is_visible()
    screenshot(page, "security-first-login")
    page.fill("#id_old_password", PASSWORD)
    page.fill("#id_new_password1", "Lianxin#2026x")
    page.fill("#id_new_password2", "Lianxin#2026x")
    navigate(page, "main button[type=submit]")
    assert "/accounts/password/done/" in page.url
    page.goto("/")
    assert "/accounts/password/" not in page.url
    expect(page.get_by_test_id("whoami")).to_have_count(1)
