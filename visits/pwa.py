"""The installable app (PWA) of the cadre's phone journey (issue 18): the web app manifest, the
service worker served from the site root, and the offline visit diary page it caches.

The page holds only what the role already sees on its home page, masked: the cadre's paired
households (masked phone), the next contact day and the open issues the cadre raised; for a village
handler the issues routed to them. Visits captured on it wait in the browser's IndexedDB and are sent
to the API with a client UUID (visits.sync)."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from issues.access import issues_visible_to
from issues.models import OPEN_STATUSES
from issues.selectors import issues_handled_by
from liaison.access import cadre_of
from visits.access import households_for_visits
from visits.contact_day import next_township_contact_day
from visits.models import SituationTag, Visit
from visits.selectors import cadre_households_status

# Days without a sign-in after which the app wipes its offline store on the next start.
OFFLINE_STORE_MAX_DAYS = 14
# The header a page sends to let the service worker keep a copy for offline use.
CACHE_HEADER = "X-Lianxin-Offline"
# What the service worker stores at install: the shell every page needs, by its hashed URL
# (static()), so a release precaches its own files. Only the woff2 icon font: every browser that
# runs a service worker reads woff2, and the woff fallback would add 180 KB to the first load.
SHELL = [
    "vendor/bootstrap/bootstrap.min.css",
    "vendor/bootstrap-icons/bootstrap-icons.min.css",
    "vendor/bootstrap-icons/fonts/bootstrap-icons.woff2",
    "css/lianxin.css",
    "pwa/pwa.css",
    "vendor/bootstrap/bootstrap.bundle.min.js",
    "vendor/htmx/htmx.min.js",
    "js/lianxin.js",
    "pwa/queue.js",
    "pwa/app.js",
    "pwa/diary.js",
    "pwa/icons/icon-192.png",
    "pwa/icons/icon-512.png",
    "pwa/icons/maskable-512.png",
]
THEME_COLOUR = "#b3261e"


@lru_cache(maxsize=1)
def _worker_source() -> str:
    with open(finders.find("pwa/sw.js"), encoding="utf-8") as handle:
        return handle.read()


def _worker_config() -> dict:
    return {
        "precache": [static(path) for path in SHELL],
        "diaryUrl": reverse("pwa:diary"),
        "logoutUrl": reverse("logout"),
        "queueScript": static("pwa/queue.js"),
        "apiUrl": "/api/v1/visits/",
        "cacheHeader": CACHE_HEADER,
        "maxDays": OFFLINE_STORE_MAX_DAYS,
    }


@require_GET
def service_worker(request):
    """static/pwa/sw.js with its configuration (the hashed static URLs of the shell), served from
    the root so its scope is the whole site. Its version is the hash of what it caches, so a new
    release installs a new worker and drops the old caches."""
    config = _worker_config()
    version = hashlib.sha256(
        (json.dumps(config, sort_keys=True) + _worker_source()).encode()
    ).hexdigest()[:12]
    config["version"] = version
    body = f"self.LIANXIN = {json.dumps(config)};\n" + _worker_source()
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request):
    """The web app manifest: installable from the phone's browser (add to home screen)."""
    data = {
        "name": "连心 · 乡镇联系服务群众平台",
        "short_name": "连心",
        "description": _("联系干部走访记录，无信号时也能记录，联网后自动同步。"),
        "lang": "zh-CN",
        "id": "/",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#f6f7f9",
        "theme_color": THEME_COLOUR,
        "icons": [
            {"src": static("pwa/icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("pwa/icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("pwa/icons/maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
        "shortcuts": [{"name": _("离线走访日记"), "url": reverse("pwa:diary")}],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json; charset=utf-8"
    return response


def _worklist(user) -> dict:
    cadre = cadre_of(user)
    today = timezone.localdate()
    households = []
    if cadre is not None and households_for_visits(user).exists():
        households = list(cadre_households_status(cadre, today))
    raised = (
        issues_visible_to(user)
        .filter(raised_by=cadre, status__in=OPEN_STATUSES)
        .select_related("household")
        .order_by("-reported_at")[:30]
        if cadre is not None
        else []
    )
    return {
        "households": households,
        "raised_issues": list(raised),
        "handled_issues": [] if households else issues_handled_by(user),
        "contact_day": next_township_contact_day(cadre.township, today) if cadre else None,
        "today": today,
    }


def _diary_labels() -> dict:
    """The texts diary.js writes (the CSP forbids inline scripts: they travel as JSON)."""
    return {
        "pending": _("待同步"),
        "refused": _("被退回"),
        "synced": _("已同步"),
        "edit": _("修改"),
        "discard": _("放弃"),
        "discardConfirm": _("放弃这条走访记录？放弃后无法恢复。"),
        "photos": _("照片 {n} 张"),
        "demand": _("含诉求"),
        "open": _("查看"),
        "syncing": _("正在同步…"),
        "offline": _("当前离线，联网后自动同步"),
        "done": _("同步完成"),
        "needHousehold": _("请选择走访户。"),
        "needNotes": _("请填写走访情况。"),
        "futureDate": _("走访日期不能晚于今天。"),
        "needIssue": _("请填写诉求内容。"),
        "update": _("保存修改"),
        "photoFailed": _("照片无法读取，请换一张。"),
    }


@login_required
def diary(request):
    """离线走访日记: the worklist and the visit form that work without a signal."""
    context = _worklist(request.user)
    context.update(
        {
            "kinds": Visit.Kind.choices,
            "tags": SituationTag.choices,
            "max_days": OFFLINE_STORE_MAX_DAYS,
            "labels": _diary_labels(),
        }
    )
    response = render(request, "pwa/diary.html", context)
    response[CACHE_HEADER] = "cache"
    return response
