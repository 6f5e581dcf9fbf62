"""For every API route: how to build the request of one matrix cell.

A builder gets the world, the role (None = anonymous) and the side ("own", "other" or
"foreign") and returns (method, url, payload). Issue actions first create an issue in the state
the action starts from, on that side, at the level the role works at (a department liaison acts
at district level, everyone else at village level).
"""

from __future__ import annotations

from django.utils import timezone

from tests.factories import valid_id_number

from .conftest import PASSWORD


def _issue_level(role):
    return "district" if role == "dept" else "village"


def _action(name: str, status: str, payload=None, *, satisfaction="satisfied"):
    def build(world, role, which):
        issue = world.issue(which, status, level=_issue_level(role), satisfaction=satisfaction)
        data = payload(world, which) if callable(payload) else dict(payload or {})
        return "post", f"/api/v1/issues/{issue.pk}/{name}/", data

    return build


def _merge(world, role, which):
    issue = world.issue(which, "triaged", level=_issue_level(role))
    into = world.issue(which, "reported")
    return "post", f"/api/v1/issues/{issue.pk}/merge/", {"into": into.pk, "note": "同一件事"}


def _get(path: str, obj=None):
    def build(world, role, which):
        if obj is None:
            return "get", path, None
        return "get", path.format(pk=obj(world, role, which).pk), None

    return build


def _household_payload(world, which, code="NEW001"):
    side = world.side(which)
    return {
        "code": code,
        "village": side.village.pk,
        "address": "新村路1号",
        "head_name": "新户主",
        "phone": "13912345678",
        "tags": [],
        "note": "",
        "status": "active",
    }


def _resident_payload(world, which):
    side = world.side(which)
    return {
        "household": side.household.pk,
        "name": "新成员",
        "id_number": valid_id_number(77),
        "relation": "spouse",
        "is_head": False,
        "phone": "13912345679",
        "status": "present",
    }


def _visit_payload(world, which):
    side = world.side(which)
    return {
        "household": side.household.pk,
        "visited_on": timezone.localdate().isoformat(),
        "kind": side.visit.kind,
        "notes": "入户走访，了解用水情况",
    }


def _token(world, role, which):
    username = world.users[role or "cadre"].username
    password = PASSWORD if which == "own" else "wrong-password"
    return "post", "/api/v1/auth/token/", {"username": username, "password": password}


def _cadre_of(world, role, which):
    """A cadre profile: the caller's own; someone else's is the other side's cadre."""
    if which == "own" and role is not None:
        return world.users[role].cadre
    return world.side("other" if which == "own" else which).cadre


def _side_attr(attr):
    return lambda world, role, which: getattr(world.side(which), attr)


_h, _r, _v = _side_attr("household"), _side_attr("resident"), _side_attr("visit")

BUILDERS = {
    "GET /api/v1/": _get("/api/v1/"),
    "POST /api/v1/auth/token/": _token,
    "POST /api/v1/auth/logout/": lambda w, r, s: ("post", "/api/v1/auth/logout/", {}),
    "GET /api/v1/households/": _get("/api/v1/households/"),
    "POST /api/v1/households/": lambda w, r, s: (
        "post", "/api/v1/households/", _household_payload(w, s)
    ),
    "GET /api/v1/households/{pk}/": _get("/api/v1/households/{pk}/", _h),
    "PUT /api/v1/households/{pk}/": lambda w, r, s: (
        "put", f"/api/v1/households/{_h(w, r, s).pk}/",
        _household_payload(w, s, code=_h(w, r, s).code),
    ),
    "PATCH /api/v1/households/{pk}/": lambda w, r, s: (
        "patch", f"/api/v1/households/{_h(w, r, s).pk}/", {"note": "门前有台阶，注意安全"}
    ),
    "GET /api/v1/residents/": _get("/api/v1/residents/"),
    "POST /api/v1/residents/": lambda w, r, s: (
        "post", "/api/v1/residents/", _resident_payload(w, s)
    ),
    "GET /api/v1/residents/{pk}/": _get("/api/v1/residents/{pk}/", _r),
    "PUT /api/v1/residents/{pk}/": lambda w, r, s: (
        "put", f"/api/v1/residents/{_r(w, r, s).pk}/",
        {**_resident_payload(w, s), "id_number": _r(w, r, s).id_number, "name": "改名",
         "relation": "head", "is_head": True},  # the household's head stays its head
    ),
    "PATCH /api/v1/residents/{pk}/": lambda w, r, s: (
        "patch", f"/api/v1/residents/{_r(w, r, s).pk}/", {"name": "改名"}
    ),
    "GET /api/v1/workgroups/": _get("/api/v1/workgroups/"),
    "GET /api/v1/workgroups/{pk}/": _get("/api/v1/workgroups/{pk}/", _side_attr("workgroup")),
    "GET /api/v1/cadres/": _get("/api/v1/cadres/"),
    "GET /api/v1/cadres/{pk}/": _get("/api/v1/cadres/{pk}/", _cadre_of),
    "POST /api/v1/cadres/{pk}/deactivate/": lambda w, r, s: (
        "post", f"/api/v1/cadres/{_cadre_of(w, r, s).pk}/deactivate/", {},
    ),
    "GET /api/v1/pairings/": _get("/api/v1/pairings/"),
    "GET /api/v1/pairings/{pk}/": _get("/api/v1/pairings/{pk}/", _side_attr("pairing")),
    "POST /api/v1/pairings/assign/": lambda w, r, s: (
        "post", "/api/v1/pairings/assign/",
        {"cadre": w.side(s).cadre.pk, "households": [w.side(s).household.pk]},
    ),
    "GET /api/v1/visits/": _get("/api/v1/visits/"),
    "POST /api/v1/visits/": lambda w, r, s: ("post", "/api/v1/visits/", _visit_payload(w, s)),
    "GET /api/v1/visits/{pk}/": _get("/api/v1/visits/{pk}/", _v),
    "PUT /api/v1/visits/{pk}/": lambda w, r, s: (
        "put", f"/api/v1/visits/{_v(w, r, s).pk}/", _visit_payload(w, s)
    ),
    "PATCH /api/v1/visits/{pk}/": lambda w, r, s: (
        "patch", f"/api/v1/visits/{_v(w, r, s).pk}/", {"follow_up": "下月再访"}
    ),
    "GET /api/v1/issues/": _get("/api/v1/issues/"),
    "POST /api/v1/issues/": lambda w, r, s: (
        "post", "/api/v1/issues/",
        {"household": w.side(s).household.pk, "description": "楼道灯不亮"},
    ),
    "GET /api/v1/issues/{pk}/": lambda w, r, s: (
        "get", f"/api/v1/issues/{w.issue(s, 'triaged', level=_issue_level(r)).pk}/", None
    ),
    "POST /api/v1/issues/{pk}/triage/": _action(
        "triage", "reported",
        lambda w, s: {"committee": w.side(s).committee.pk, "level": "village"},
    ),
    "POST /api/v1/issues/{pk}/merge/": _merge,
    "POST /api/v1/issues/{pk}/start/": _action("start", "triaged", {"note": "已联系群众"}),
    "POST /api/v1/issues/{pk}/acknowledge/": _action("acknowledge", "triaged", {"note": "报到"}),
    "POST /api/v1/issues/{pk}/contact/": _action(
        "contact", "triaged", {"contact_channel": "phone", "note": "电话联系户主"}
    ),
    "POST /api/v1/issues/{pk}/assign/": _action(
        "assign", "in_progress", lambda w, s: {"department": w.side(s).department.pk}
    ),
    "POST /api/v1/issues/{pk}/progress/": _action(
        "progress", "in_progress", {"note": "已约施工队", "contacted": True}
    ),
    "POST /api/v1/issues/{pk}/escalate/": _action("escalate", "in_progress", {"note": "需协调"}),
    "POST /api/v1/issues/{pk}/resolve/": _action("resolve", "in_progress", {"result": "已修复"}),
    "POST /api/v1/issues/{pk}/explain/": _action(
        "explain", "in_progress", {"explanation": "不属于政府职责，已说明"}
    ),
    "POST /api/v1/issues/{pk}/reply/": _action(
        "reply", "resolved", {"channel": "visit", "reply_text": "已上门告知"}
    ),
    "POST /api/v1/issues/{pk}/rate/": _action("rate", "replied", {"satisfaction": "satisfied"}),
    "POST /api/v1/issues/{pk}/reopen/": _action(
        "reopen", "rated", {"note": "群众不满意，重新办理"}, satisfaction="unsatisfied"
    ),
    "POST /api/v1/issues/{pk}/archive/": _action("archive", "rated", {}),
    "GET /api/v1/committees/": _get("/api/v1/committees/"),
    "GET /api/v1/committees/{pk}/": _get("/api/v1/committees/{pk}/", _side_attr("committee")),
    "GET /api/v1/dashboard/summary/": _get("/api/v1/dashboard/summary/"),
}  # fmt: skip
