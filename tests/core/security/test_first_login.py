"""An initial password set by an administrator must be changed at the first login; the demo
accounts of seed_demo are exempt."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from core.models import AccountSecurity, AuditEntry
from core.security.services import account_require_password_change
from liaison.roles import Role

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Lianxin#2026x"


@pytest.fixture
def admin_client(client, make_user):
    admin = make_user(Role.ADMIN, superuser=True)
    client.force_login(admin)
    return client, admin


def test_an_account_created_in_the_admin_must_change_its_password(admin_client):
    client, admin = admin_client
    response = client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "wangwu",
            "usable_password": "true",
            "password1": "Initial#Pass1",
            "password2": "Initial#Pass1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = get_user_model().objects.get(username="wangwu")
    assert user.account_security.must_change_password
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.SECURITY, actor=admin, object_id=str(user.pk)
    ).exists()


def test_a_password_reset_by_an_admin_must_be_changed(admin_client, make_user):
    client, _ = admin_client
    user = make_user(Role.CADRE)
    response = client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": "Reset#Pass123", "password2": "Reset#Pass123"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.account_security.must_change_password


def test_a_flagged_user_is_sent_to_the_password_page_until_it_is_changed(make_user, login, client):
    user = make_user(Role.CADRE)
    account_require_password_change(user=user, actor=None)

    response = login(user.username)
    assert response.status_code == 302
    page = client.get(reverse("home"))
    assert page.status_code == 302
    assert page.url.startswith(reverse("password_change"))
    assert client.get("/households/").status_code == 302
    assert client.get("/api/v1/").status_code == 403
    assert client.get("/households/", HTTP_HX_REQUEST="true").status_code == 204  # no swap

    form = client.get(reverse("password_change"))
    assert form.status_code == 200
    assert "初始密码" in form.content.decode()

    # when the user tries to keep the initial password, then it is refused
    same = client.post(
        reverse("password_change"),
        {
            "old_password": "Passw0rd!x",
            "new_password1": "Passw0rd!x",
            "new_password2": "Passw0rd!x",
        },
    )
    assert same.status_code == 200
    assert "新密码不能与原密码相同" in same.content.decode()

    changed = client.post(
        reverse("password_change"),
        {
            "old_password": "Passw0rd!x",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 302
    state = AccountSecurity.objects.get(user=user)
    assert not state.must_change_password
    assert state.password_changed_at is not None
    assert client.get(reverse("home")).status_code == 200  # still signed in, now free to go


def test_ordinary_and_new_accounts_are_not_flagged(make_user, login, client):
    user = make_user(Role.CADRE)  # created in code, e.g. by a factory or seed_demo
    login(user.username)
    assert client.get(reverse("home")).status_code == 200


def test_the_seed_demo_accounts_are_exempt(db, login, client):
    from demo.seed import DEMO_PASSWORD, seed_demo

    seed_demo(households=30)
    for username in ("admin", "leader", "cadre"):
        client.logout()
        assert login(username, DEMO_PASSWORD).status_code == 302
        assert client.get(reverse("home")).status_code == 200
