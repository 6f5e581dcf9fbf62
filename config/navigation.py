"""The site navigation: which pages a user's roles may open (the base template's menu)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from liaison.access import roles_of
from liaison.roles import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str
    roles: tuple[Role, ...]
    menu: str = ""  # "manage": under the 管理 menu when the user has more than one such entry


ALL_ROLES = tuple(Role)

NAV_ITEMS = (
    NavItem(_("首页"), "home", "house", ALL_ROLES),
    NavItem(
        _("住户"),
        "households:list",
        "people",
        (Role.ADMIN, Role.LEADER, Role.GROUP_LEADER, Role.CADRE, Role.VILLAGE_HANDLER),
    ),
    NavItem(
        _("民情日记"),
        "liaison:visit-list",
        "journal-text",
        (Role.ADMIN, Role.LEADER, Role.GROUP_LEADER, Role.CADRE),
    ),
    NavItem(_("群众诉求"), "issues:list", "chat-square-text", ALL_ROLES),
    NavItem(_("分派队列"), "issues:triage", "inbox", (Role.ADMIN, Role.COMMITTEE_STAFF)),
    NavItem(
        _("统计分析"),
        "liaison:dashboard",
        "bar-chart",
        (Role.ADMIN, Role.LEADER, Role.COMMITTEE_STAFF, Role.GROUP_LEADER),
    ),
    NavItem(
        _("结对管理"), "liaison:pairings", "link-45deg", (Role.ADMIN, Role.GROUP_LEADER), "manage"
    ),
    NavItem(_("走访安排"), "liaison:contact-days", "calendar-event", (Role.ADMIN,), "manage"),
    NavItem(_("花名册导入"), "households:import", "upload", (Role.ADMIN,), "manage"),
    NavItem(_("系统管理"), "admin:index", "gear", (Role.ADMIN,), "manage"),
)


def nav_items_for(user) -> list[dict]:
    """The navigation a user sees: only what their roles may use, and only pages that exist."""
    held = roles_of(user)
    items = []
    for item in NAV_ITEMS:
        if not held & set(item.roles):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue  # that part of the product is not installed yet
        items.append(
            {"label": item.label, "url": url, "icon": item.icon, "name": item.url_name,
             "menu": item.menu}
        )  # fmt: skip
    return items


def split_menu(items: list[dict]) -> tuple[list[dict], list[dict]]:
    """(the top bar, the 管理 menu): the administration pages fold into one menu when a user has
    more than one of them, so an administrator's bar fits a 1366 px screen."""
    managed = [item for item in items if item.get("menu") == "manage"]
    if len(managed) < 2:
        return items, []
    return [item for item in items if item.get("menu") != "manage"], managed
