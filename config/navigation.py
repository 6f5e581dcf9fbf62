"""The site navigation: which pages a user's roles may open (the base template's menu)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
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


# The URLs the signed-in user's frame of every page links to (base.html and its partials).
SITE_URL_NAMES = (
    "home", "password_change", "security:totp-enrol", "logout", "pwa:diary",
    "liaison:notifications", "liaison:bell",
)  # fmt: skip


@functools.cache
def _reversed(url_name: str, urlconf: str, prefix: str) -> str | None:
    try:
        return reverse(url_name, urlconf=urlconf)
    except NoReverseMatch:
        return None


def url_of(url_name: str) -> str | None:
    """reverse() of a URL without arguments, once per process: the frame of every page links to
    the same twenty pages, and reversing them on each request was a tenth of a list page's
    time (bench/web.py). None when the page is not installed."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    return _reversed(url_name, urlconf, get_script_prefix())


def site_urls() -> dict[str, str]:
    """The frame's links by URL name (the template reads them as `site_urls.<name>`, with `:`
    and `-` as `_`)."""
    return {name.replace(":", "_").replace("-", "_"): url_of(name) or "" for name in SITE_URL_NAMES}


def nav_items_for(user) -> list[dict]:
    """The navigation a user sees: only what their roles may use, and only pages that exist."""
    held = roles_of(user)
    items = []
    for item in NAV_ITEMS:
        if not held & set(item.roles):
            continue
        url = url_of(item.url_name)
        if url is None:
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
