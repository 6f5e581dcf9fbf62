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
    NavItem(_("结对管理"), "liaison:pairings", "link-45deg", (Role.ADMIN, Role.GROUP_LEADER)),
    NavItem(_("走访安排"), "liaison:contact-days", "calendar-event", (Role.ADMIN,)),
    NavItem(_("花名册导入"), "households:import", "upload", (Role.ADMIN,)),
    NavItem(_("系统管理"), "admin:index", "gear", (Role.ADMIN,)),
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
        items.append({"label": item.label, "url": url, "icon": item.icon, "name": item.url_name})
    return items
