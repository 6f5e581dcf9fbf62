"""Issue #12, finding 12: bad input is a 400 or an empty result, never a 500.

A fuzz walk over the URLconf, as every role and anonymously: every page and API list gets NUL
bytes, undecodable bytes (what a lone surrogate is on the wire), odd digits and huge numbers in
its query string; every page form gets them in every field it renders; every API write gets
deeply nested JSON and JSON strings holding `\\ud800` and `\\u0000`. No response may be a 5xx.

SQLite stores NUL without complaint; PostgreSQL refuses it in any text parameter. The walk runs
on both (CI's second pass runs it on PostgreSQL), and the unit tests below pin the cleaners
themselves so the SQLite pass proves them too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import quote, quote_from_bytes

import pytest
from django.core.signals import got_request_exception
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from rest_framework.exceptions import ParseError

from core.api.parsers import MAX_DEPTH, check_json
from core.params import clean_search_term, parse_id, parse_ids
from issues.services import issue_report
from liaison.roles import Role
from tests.factories import (
    CommitteeFactory,
    CommitteeMembershipFactory,
    DepartmentFactory,
    HouseholdFactory,
    PairingFactory,
    ResidentFactory,
    VillageFactory,
    WorkGroupFactory,
)
from visits.models import Visit

ROLES = {
    "admin": Role.ADMIN,
    "leader": Role.LEADER,
    "staff": Role.COMMITTEE_STAFF,
    "grouplead": Role.GROUP_LEADER,
    "cadre": Role.CADRE,
    "village": Role.VILLAGE_HANDLER,
    "dept": Role.DEPARTMENT_LIAISON,
}

# Raw (already %-encoded) values for query strings and form bodies: NUL, NUL inside text, the
# UTF-8 encoding of the lone surrogate U+D800 (not valid UTF-8), superscript and full-width
# digits (str.isdigit() is true for both), a number no integer column holds, and JSON-looking junk.
RAW_VALUES = {
    "nul": "a%00b",
    "surrogate": quote_from_bytes(b"\xed\xa0\x80"),
    "odd-digits": quote("²１２"),
    "huge-or-junk": "9" * 40 + quote("[]{}'\"\\%;--"),
}
# Names read from query strings somewhere: q, every filter, the paginators, DRF's own.
QUERY_NAMES = (
    "q", "search", "ordering", "page", "page_size", "village", "cadre", "household", "committee",
    "level", "status", "source", "tag", "tags", "month", "scope", "date_from", "date_to",
    "workgroup", "kind", "sheet", "action", "next", "period", "year", "quarter", "township",
    "overdue", "unpaired", "print", "is_overdue", "is_active", "code", "reveal", "difficulty",
)  # fmt: skip
# Field names of JSON writes (every serializer's, more or less).
JSON_NAMES = (
    "household", "households", "description", "source", "urgency", "reporter_name",
    "reporter_phone", "location", "into", "note", "committee", "level", "village", "department",
    "handler", "contacted", "result", "explanation", "channel", "reply_text", "satisfaction",
    "comment", "code", "address", "head_name", "phone", "tags", "status", "name", "gender",
    "id_number", "relation", "is_head", "cadre", "visited_on", "kind", "met_with", "notes",
    "follow_up", "issue_description", "username", "password", "otp", "token",
)  # fmt: skip
DEPTH = 20_000  # far past Python's recursion limit


@dataclass
class Town:
    users: dict
    pks: dict = field(default_factory=dict)


@pytest.fixture(autouse=True)
def _quiet_and_fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "user": "100000/min", "token": "1000/min"},
    }
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "bad-input-tests",
        }
    }


@pytest.fixture
def town(db, make_user) -> Town:
    village = VillageFactory()
    township = village.township
    workgroup = WorkGroupFactory(village=village, township=township)
    committee = CommitteeFactory(township=township)
    department = DepartmentFactory()
    users = {
        "admin": make_user(Role.ADMIN, workgroup=None, township=township),
        "leader": make_user(Role.LEADER, workgroup=None, township=township),
        "staff": make_user(Role.COMMITTEE_STAFF, workgroup=None, township=township),
        "grouplead": make_user(Role.GROUP_LEADER, workgroup=workgroup, township=township),
        "cadre": make_user(Role.CADRE, workgroup=workgroup, township=township),
        "village": make_user(
            Role.VILLAGE_HANDLER, workgroup=None, township=township, village=village
        ),
        "dept": make_user(Role.DEPARTMENT_LIAISON, workgroup=None, township=None),
    }
    CommitteeMembershipFactory(committee=committee, cadre=users["staff"].cadre)
    department.liaisons.add(users["dept"].cadre)
    household = HouseholdFactory(village=village, township=township)
    resident = ResidentFactory(household=household)
    pairing = PairingFactory(cadre=users["cadre"].cadre, household=household)
    visit = Visit.objects.create(cadre=users["cadre"].cadre, household=household, notes="走访")
    issue = issue_report(actor=users["cadre"], household=household, description="路灯坏了")
    pks = {
        "issue": issue.pk,
        "household": household.pk,
        "resident": resident.pk,
        "workgroup": workgroup.pk,
        "cadre": users["cadre"].cadre.pk,
        "pairing": pairing.pk,
        "visit": visit.pk,
        "committee": committee.pk,
    }
    return Town(users, pks)


# --- The URLconf, walked --------------------------------------------------------------------------
# Never followed: they end the session the walk runs in.
SKIP_NAMES = {"logout", "api-logout"}


def _walk(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace
            ns = f"{namespace}:{inner}" if namespace and inner else (inner or namespace)
            yield from _walk(pattern.url_patterns, ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern


def _kwarg_value(name: str, kwarg: str, pks: dict):
    specific = {
        "resident_pk": pks["resident"],
        "household_pk": pks["household"],
        "workgroup_pk": pks["workgroup"],
        "record_pk": 1,
        "photo_pk": 1,
        "action": "merge",
        "token": "x",
    }
    if kwarg in specific:
        return specific[kwarg]
    for word in ("issue", "household", "resident", "workgroup", "cadre", "pairing", "visit",
                 "committee"):  # fmt: skip
        if word in name:
            return pks[word]
    return 1


def site_urls(pks: dict) -> list[tuple[str, str]]:
    """(name, path) for every named route but the admin site and DRF's format suffixes."""
    urls = {}
    for name, pattern in _walk(get_resolver().url_patterns):
        if name.startswith("admin:") or name in SKIP_NAMES:
            continue
        kwargs = list(pattern.pattern.regex.groupindex)
        if "format" in kwargs:
            continue
        values = {k: _kwarg_value(name, k, pks) for k in kwargs}
        try:
            path = reverse(name, kwargs=values)
        except NoReverseMatch:  # a converter that refuses our value: nothing to walk
            continue
        urls.setdefault(path, name)
    return sorted((name, path) for path, name in urls.items())


# --- Requests ------------------------------------------------------------------------------------
_FIELD = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"', re.IGNORECASE)


def _query(raw: str) -> str:
    return "&".join(f"{name}={raw}" for name in QUERY_NAMES)


def _form_body(names, raw: str) -> str:
    return "&".join(f"{quote(n)}={raw}" for n in names if n != "csrfmiddlewaretoken")


def _json_bodies() -> dict[str, str | bytes]:
    deep_list = "[" * DEPTH + "]" * DEPTH
    deep_object = '{"a":' * DEPTH + "1" + "}" * DEPTH
    nested_field = json.dumps({n: _nest(MAX_DEPTH + 5) for n in JSON_NAMES})
    return {
        "deep-list": deep_list,
        "deep-object": deep_object,
        "deep-field": nested_field,
        "surrogate": json.dumps(dict.fromkeys(JSON_NAMES, "\ud800")),
        "surrogate-in-list-and-key": json.dumps({"\udfff": ["\ud800"], "description": "x"}),
        "nul": json.dumps(dict.fromkeys(JSON_NAMES, "a\u0000b")),
        "huge": json.dumps(dict.fromkeys(JSON_NAMES, 10**40)),
        "not-utf8": b'{"description": "\xff\xfe"}',
    }


def _nest(depth: int):
    value = "x"
    for _ in range(depth):
        value = [value]
    return value


class Walk:
    """Sends the requests and keeps every 5xx with what caused it."""

    def __init__(self, client):
        self.client = client
        self.client.raise_request_exception = False
        self.failures: list[str] = []
        self.count = 0
        self._last_error = ""

    def __enter__(self):
        got_request_exception.connect(self._record)
        return self

    def __exit__(self, *exc):
        got_request_exception.disconnect(self._record)

    def _record(self, sender, request=None, **kwargs):
        import sys

        error = sys.exc_info()[1]
        self._last_error = f"{type(error).__name__}: {str(error)[:120]}"

    def send(self, label: str, method: str, path: str, **extra):
        self._last_error = ""
        response = getattr(self.client, method)(path, **extra)
        self.count += 1
        if response.status_code >= 500:
            self.failures.append(f"{label}: {response.status_code} {self._last_error}")
        return response


# Documentation routes render the same whatever the query: one bad request each is enough
# (the schema alone costs seconds).
STATIC_NAMES = {"schema", "swagger-ui", "redoc", "api-root", "set_language"}
# API routes that end in an object id: written with PUT and PATCH, the others with POST.
_DETAIL = re.compile(r"/api/v1/[a-z]+/[0-9]+/$")


def walk_site(client, town: Town) -> Walk:
    bodies = _json_bodies()
    with Walk(client) as walk:
        for name, path in site_urls(town.pks):
            is_api = path.startswith("/api/")
            if name in STATIC_NAMES:
                walk.send(f"GET {path}?…=nul", "get", path, QUERY_STRING=_query("a%00b"))
                continue
            # the page as it is (and the form fields it renders)
            response = walk.send(f"GET {path}", "get", path)
            # a download (a streamed .xlsx) renders no form: no field to fill
            body = b"" if response.streaming else response.content
            fields = set(_FIELD.findall(body.decode("utf-8", "replace")))
            for case, raw in RAW_VALUES.items():
                walk.send(f"GET {path}?…={case}", "get", path, QUERY_STRING=_query(raw))
            if is_api:
                methods = ("put", "patch") if _DETAIL.search(path) else ("post",)
                for case, body in bodies.items():
                    for method in methods:
                        walk.send(
                            f"{method.upper()} {path} json:{case}",
                            method,
                            path,
                            data=body,
                            content_type="application/json",
                        )
            else:
                names = sorted(fields | set(QUERY_NAMES))
                for case, raw in RAW_VALUES.items():
                    walk.send(
                        f"POST {path} form:{case}",
                        "post",
                        path,
                        data=_form_body(names, raw),
                        content_type="application/x-www-form-urlencoded",
                    )
    return walk


@pytest.mark.parametrize("role", [*ROLES, None])
def test_no_bad_input_gives_a_server_error_on_any_page_form_or_api(client, town, role):
    # given: a user of the role (None: nobody signed in)
    if role is not None:
        client.force_login(town.users[role])
    # when: every route gets NUL, undecodable bytes, odd digits, huge numbers and deep JSON
    walk = walk_site(client, town)
    # then: not one 5xx
    assert walk.count > 200
    assert not walk.failures, "\n".join(walk.failures)


# --- The root fixes, one by one (these fail without them on SQLite too) ------------------------
def test_search_terms_lose_nul_controls_and_lone_surrogates():
    assert clean_search_term("\x00") == ""
    assert clean_search_term(" 王\x00 家\ud800庄\x7f ") == "王 家庄"
    assert clean_search_term("\udfff张三") == "张三"
    assert clean_search_term("  a \t b ") == "a b"
    assert clean_search_term("x" * 500) == "x" * 100
    assert clean_search_term(None) == ""
    assert clean_search_term(["q"]) == ""
    assert clean_search_term("ｖ０１") == "ｖ０１"  # full-width text stays searchable


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("12", 12), (" 7 ", 7), ("²", None), ("１２", None), ("0", None), ("-1", None),
     ("1e3", None), ("9" * 19, None), ("1_000", None), ("\x00", None), (None, None),
     (5, 5), (True, None), (10**30, None)],
)  # fmt: skip
def test_ids_from_query_strings_are_ascii_digits_of_a_sane_length(raw, expected):
    assert parse_id(raw) == expected


def test_id_lists_drop_what_is_not_an_id():
    assert parse_ids(["3", "²", "x", "", "4"]) == [3, 4]


def test_deep_json_and_lone_surrogates_are_refused_by_the_parser():
    with pytest.raises(ParseError):
        check_json(_nest(MAX_DEPTH + 1))
    with pytest.raises(ParseError):
        check_json({"a": ["ok", {"b": "\ud800"}]})
    with pytest.raises(ParseError):
        check_json({"\udfff": 1})
    check_json({"a": [_nest(MAX_DEPTH - 2)], "b": "中文 \u0000 is left to the fields"})


@pytest.mark.parametrize(
    ("case", "body"),
    [("deep", "[" * DEPTH + "]" * DEPTH), ("surrogate", '{"description": "\\ud800"}')],
)
def test_api_issue_create_answers_400_to_deep_or_surrogate_json(client, town, case, body):
    # given: a cadre signed in
    client.force_login(town.users["cadre"])
    # when
    response = client.post("/api/v1/issues/", data=body, content_type="application/json")
    # then: a 400 that says what is wrong
    assert response.status_code == 400
    assert response.json()["detail"]


def _listed(response, url_name) -> list[int]:
    if url_name == "liaison:visit-list":
        return [v.household_id for v in response.context["visits"]]
    if url_name == "liaison:visit-household-search":
        return [h.pk for h in response.context["households"]]
    return [h.pk for h in response.context["page"]]


@pytest.mark.parametrize(
    "url_name", ["liaison:visit-list", "liaison:visit-household-search", "liaison:pairings"]
)
@pytest.mark.parametrize("term", ["\x00", "\x00H", "H\x00"])
def test_nul_in_the_search_of_visit_and_pairing_lists_is_dropped(client, town, url_name, term):
    # given: the admin (manages pairings, reads every visit); a cadre for its household search
    user = town.users["cadre" if url_name == "liaison:visit-household-search" else "admin"]
    client.force_login(user)
    # when: the search term is a NUL, or holds one beside the start of the household code (H…)
    response = client.get(reverse(url_name), {"q": term, "scope": "all"})
    # then: the NUL is dropped and the rest searched, on every database (PostgreSQL refuses it)
    assert response.status_code == 200
    assert _listed(response, url_name) == [town.pks["household"]]


def _changelists() -> list[str]:
    from django.contrib import admin

    return sorted(
        reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist")
        for m in admin.site._registry
    )


# Django's admin validates `q` with a form (a NUL empties the search): this walk keeps it so.
@pytest.mark.parametrize("who", ["operator", "admin"])
def test_admin_changelists_survive_bad_search_and_paging(client, town, make_user, who):
    # given: the system operator (superuser) or a township admin
    user = make_user(superuser=True) if who == "operator" else town.users["admin"]
    client.force_login(user)
    # when: every changelist gets a NUL in its search and junk in its paging and ordering
    with Walk(client) as walk:
        for path in _changelists():
            for raw in ("a%00b", RAW_VALUES["surrogate"], RAW_VALUES["odd-digits"]):
                walk.send(
                    f"GET {path}?q={raw}", "get", path, QUERY_STRING=f"q={raw}&p={raw}&o={raw}"
                )
    # then
    assert not walk.failures, "\n".join(walk.failures)
