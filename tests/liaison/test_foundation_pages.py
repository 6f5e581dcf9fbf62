"""The UI shell: Chinese login (English selectable), a home per role, navigation by role,
friendly error pages."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from liaison.roles import Role
from tests.factories import PairingFactory

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese_by_default(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'lang="zh-hans"' in body
    assert "乡镇联系服务群众平台" in body
    assert "用户名" in body and "密码" in body


def test_login_page_in_english_when_chosen(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    body = client.get(reverse("login")).content.decode()
    assert 'lang="en"' in body
    assert "Username" in body and "Password" in body
    assert "用户名" not in body


def test_anonymous_user_is_sent_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_login_with_wrong_password_shows_a_chinese_error(client, make_user):
    user = make_user(Role.CADRE)
    response = client.post(
        reverse("login"), {"username": user.username, "password": "wrong"}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


@pytest.mark.parametrize(
    ("roles", "title"),
    [
        ((Role.ADMIN,), "全乡概况"),
        ((Role.LEADER,), "全乡概况"),
        ((Role.COMMITTEE_STAFF,), "待分派诉求"),
        ((Role.GROUP_LEADER,), "工作组"),
        ((Role.CADRE,), "我的联系户"),
        ((Role.VILLAGE_HANDLER,), "我承办的诉求"),
        ((Role.DEPARTMENT_LIAISON,), "我承办的诉求"),
    ],
)
def test_each_role_has_its_home(client, make_user, roles, title):
    client.force_login(make_user(*roles))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert title in response.content.decode()


def test_cadre_home_lists_paired_households_and_next_contact_day(client, make_user):
    pairing = PairingFactory()
    user = pairing.cadre.user
    user.groups.add(Group.objects.get(name=Role.CADRE))
    client.force_login(user)
    body = client.get(reverse("home")).content.decode()
    assert pairing.household.head_name in body
    assert "下一个联系群众日" in body
    assert pairing.household.phone not in body  # masked
    assert pairing.household.masked_phone in body


def test_navigation_shows_only_what_the_role_may_use(client, make_user):
    client.force_login(make_user(Role.DEPARTMENT_LIAISON))
    body = client.get(reverse("home")).content.decode()
    assert 'data-nav="admin:index"' not in body
    client.force_login(make_user(Role.ADMIN, superuser=True))
    body = client.get(reverse("home")).content.decode()
    assert 'data-nav="admin:index"' in body


def test_administration_pages_fold_into_one_menu_when_there_are_several(client, make_user):
    client.force_login(make_user(Role.ADMIN, superuser=True))
    body = client.get(reverse("home")).content.decode()
    menu = body[body.index('data-testid="nav-manage"') :]
    for name in ("liaison:pairings", "liaison:contact-days", "households:import", "admin:index"):
        assert f'data-nav="{name}"' in menu
    # a group leader has one of them: it stays in the bar, with no menu around it
    client.force_login(make_user(Role.GROUP_LEADER))
    body = client.get(reverse("home")).content.decode()
    assert 'data-nav="liaison:pairings"' in body and 'data-testid="nav-manage"' not in body


def test_friendly_404_page(client, make_user):
    client.force_login(make_user(Role.CADRE))
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_friendly_500_page_needs_no_database(rf):
    from core.views import error_500

    response = error_500(rf.get("/"))
    assert response.status_code == 500
    assert "系统出错了" in response.content.decode()


def test_phone_sized_layout_has_a_viewport_and_collapsing_nav(client, make_user):
    client.force_login(make_user(Role.CADRE))
    body = client.get(reverse("home")).content.decode()
    assert 'name="viewport"' in body
    assert "navbar-toggler" in body


def test_static_assets_are_vendored_not_cdn(client):
    body = client.get(reverse("login")).content.decode()
    assert "/static/vendor/bootstrap/bootstrap.min.css" in body
    assert "cdn" not in body.lower()
