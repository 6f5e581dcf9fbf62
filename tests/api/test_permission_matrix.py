"""The permission matrix: every /api/v1/ route × every demo role × (own object, someone else's
object) plus anonymous, against the one readable table in permission_matrix.md.

The routes come from the URL configuration (a walk of get_resolver()), so a new endpoint
without a row in the table fails `test_every_route_has_a_row`. Each cell runs inside a savepoint
that is rolled back, so a write in one cell never changes the next.

To regenerate the table after a deliberate policy change, run
`LIANXIN_WRITE_MATRIX=1 pytest tests/api/test_permission_matrix.py` and review the diff.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver

from .conftest import DEMO_ROLES
from .matrix_requests import BUILDERS

TABLE = Path(__file__).with_name("permission_matrix.md")
ROLES = list(DEMO_ROLES)
COLUMNS = ["anon", *ROLES]
METHODS = ("get", "post", "put", "patch", "delete")


# --- Routes from the URL configuration ---------------------------------------------------------
def _clean(regex: str) -> str:
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", regex)
    return path.replace("^", "").replace("$", "").replace("\\", "")


def _methods(callback) -> list[str]:
    actions = getattr(callback, "actions", None)
    if actions:  # a viewset: {"get": "list", "post": "create"}
        return [m for m in actions if m in METHODS]
    view = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    return [m for m in METHODS if view is not None and hasattr(view, m)]


def api_routes() -> set[str]:
    """'METHOD /api/v1/…/' for every route under /api/v1/ (format-suffix variants left out)."""
    found = set()

    def walk(patterns, prefix):
        for p in patterns:
            full = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, full)
            elif isinstance(p, URLPattern):
                if not full.startswith("api/v1/") or "format" in full:
                    continue
                path = "/" + _clean(full)
                found.update(f"{m.upper()} {path}" for m in _methods(p.callback))

    walk(get_resolver().url_patterns, "")
    return {re.sub(r"\{(id|pk)\}", "{pk}", r) for r in found}


# --- The table ------------------------------------------------------------------------------------
def read_table() -> dict[str, dict[str, str]]:
    rows = {}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) != len(COLUMNS) + 1 or cells[0].split(" ")[0] not in {
            m.upper() for m in METHODS
        }:
            continue
        rows[cells[0]] = dict(zip(COLUMNS, cells[1:], strict=True))
    return rows


def _has_object(route: str) -> bool:
    return route in BUILDERS and (
        "{pk}" in route or route.split(" ")[0] in {"POST", "PUT", "PATCH"}
    )


def _status(world, route, role, which) -> int:
    with transaction.atomic():
        method, url, data = BUILDERS[route](world, role, which)
        response = getattr(world.client(role), method)(url, data, format="json")
        assert response.status_code < 500, (route, role, which, response.content[:300])
        transaction.set_rollback(True)
    return response.status_code


def actual_cell(world, route, role) -> str:
    if role == "anon":
        return str(_status(world, route, None, "own"))
    own = _status(world, route, role, "own")
    if route.startswith("GET") and "{pk}" not in route:
        return str(own)  # a list: no object
    return f"{own}/{_status(world, route, role, 'other')}"


def _write_table(actual: dict[str, dict[str, str]]) -> None:
    text = TABLE.read_text(encoding="utf-8")
    head, _sep, _rest = text.partition("\n| endpoint |")
    lines = [
        "| endpoint | " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * (len(COLUMNS) + 1),
    ]
    for route in sorted(actual, key=_route_order):
        lines.append(f"| `{route}` | " + " | ".join(actual[route][c] for c in COLUMNS) + " |")
    TABLE.write_text(head.rstrip("\n") + "\n\n" + "\n".join(lines) + "\n", encoding="utf-8")


def _route_order(route: str):
    method, path = route.split(" ")
    return (path.split("/")[3] if path.count("/") > 3 else "", path, METHODS.index(method.lower()))


# --- Tests -------------------------------------------------------------------------------------
def test_every_route_has_a_row_and_a_request():
    """A new endpoint must be added to permission_matrix.md (and to matrix_requests.BUILDERS)."""
    routes, rows = api_routes(), set(read_table())
    assert routes - rows == set(), "routes without a row in permission_matrix.md"
    assert rows - routes == set(), "rows of permission_matrix.md for routes that do not exist"
    assert routes == set(BUILDERS), "routes without a request builder in matrix_requests.py"


def test_the_route_walk_finds_the_resources_of_the_design():
    routes = api_routes()
    for resource in ("households", "residents", "workgroups", "cadres", "pairings", "visits",
                     "issues", "committees"):  # fmt: skip
        assert f"GET /api/v1/{resource}/" in routes
        assert f"GET /api/v1/{resource}/{{pk}}/" in routes
    for action in ("triage", "start", "progress", "escalate", "resolve", "explain", "reply",
                   "rate", "reopen", "archive"):  # fmt: skip
        assert f"POST /api/v1/issues/{{pk}}/{action}/" in routes
    assert "GET /api/v1/dashboard/summary/" in routes


def test_permission_matrix(world):
    expected = read_table()
    actual = {
        route: {column: actual_cell(world, route, column) for column in COLUMNS}
        for route in sorted(api_routes())
    }
    if os.environ.get("LIANXIN_WRITE_MATRIX"):
        _write_table(actual)
    wrong = [
        f"{route:45} {column:9} expected {expected.get(route, {}).get(column)!s:9} got {got}"
        for route, cells in actual.items()
        for column, got in cells.items()
        if expected.get(route, {}).get(column) != got
    ]
    assert not wrong, "cells that differ from permission_matrix.md:\n" + "\n".join(wrong)


# A department liaison works at district level (no township): the committees of every township
# are reference data to them. Everything else of another township is out of their scope too.
DISTRICT_WIDE = {("dept", "GET /api/v1/committees/{pk}/")}


@pytest.mark.parametrize("role", ROLES)
def test_no_role_reaches_an_object_of_another_township(world, role):
    """Every route on one object answers 404 for an object of a township the user is not in."""
    answers = {
        route: _status(world, route, role, "foreign")
        for route in sorted(api_routes())
        if "{pk}" in route and (role, route) not in DISTRICT_WIDE
    }
    assert len(answers) > 20
    assert {route: code for route, code in answers.items() if code != 404} == {}
