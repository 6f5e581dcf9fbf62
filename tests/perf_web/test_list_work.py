"""The list pages do the work of a page once, not once per row (issue #17 item 1, bench/web.py).

Counted, never timed: the translations, URL reversals and queries a page makes. Each bound is
what the page needs with its rows, and what it did before was several times that."""

from __future__ import annotations

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.urls.resolvers import URLResolver
from django.utils import translation

from config.navigation import url_of
from core.widgets import QuickSelect
from issues.models import Issue
from issues.services import issue_report
from liaison.models import Village
from liaison.roles import Role
from tests.factories import (
    CommitteeFactory,
    CommitteeMembershipFactory,
    HouseholdFactory,
    TownshipFactory,
    VillageFactory,
    WorkGroupFactory,
)

pytestmark = pytest.mark.django_db

ROWS = 30


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(make_user):
    township = TownshipFactory(code="pw", name="测速镇")
    east = VillageFactory(township=township, name="东村")
    west = VillageFactory(township=township, name="西村")
    WorkGroupFactory(township=township, village=east)
    WorkGroupFactory(township=township, village=west)
    committee = CommitteeFactory(township=township)
    admin = make_user(Role.ADMIN, township=township)
    staff = make_user(Role.COMMITTEE_STAFF, township=township)
    CommitteeMembershipFactory(committee=committee, cadre=staff.cadre)
    households = [
        HouseholdFactory(township=township, village=east if n % 2 else west, code=f"P{n:03d}")
        for n in range(ROWS + 5)
    ]
    for n, household in enumerate(households):
        issue_report(actor=admin, household=household, description=f"第{n}件：路灯不亮")
    return {"admin": admin, "staff": staff, "township": township}


class Counter:
    def __init__(self):
        self.calls = 0


@pytest.fixture
def translations(monkeypatch):
    """Counts the catalogue look-ups (gettext) made while the fixture is active."""
    translation.gettext("连心")  # binds translation._trans.gettext, which is then wrapped
    counter, real = Counter(), translation._trans.gettext

    def counted(message):
        counter.calls += 1
        return real(message)

    monkeypatch.setattr(translation._trans, "gettext", counted)
    return counter


@pytest.fixture
def reversals(monkeypatch):
    counter, real = Counter(), URLResolver._reverse_with_prefix

    def counted(self, *args, **kwargs):
        counter.calls += 1
        return real(self, *args, **kwargs)

    monkeypatch.setattr(URLResolver, "_reverse_with_prefix", counted)
    return counter


def test_the_issue_list_translates_each_choice_label_once_not_once_per_row(
    client, world, translations
):
    client.force_login(world["staff"])
    client.get(reverse("issues:list"))  # warm: the first request loads the catalogues
    translations.calls = 0
    response = client.get(reverse("issues:list"))
    made = translations.calls
    rows = list(response.context["page"])
    assert len(rows) == ROWS
    # get_<field>_display per row translated every label of the field's choices: ~1,200 here
    assert made < 400, made
    # each row shows its status and source as get_<field>_display would
    assert all(i.status_label == i.get_status_display() for i in rows)
    assert all(i.source_label == i.get_source_display() for i in rows)


def test_the_triage_queue_translates_each_choice_label_once(client, world, translations):
    client.force_login(world["staff"])
    client.get(reverse("issues:triage"))
    translations.calls = 0
    response = client.get(reverse("issues:triage"))
    assert len(response.context["rows"]) == ROWS + 5
    assert translations.calls < 400, translations.calls


def test_the_api_gives_the_status_label_of_each_issue_translating_the_labels_once(
    client, world, translations
):
    client.force_login(world["staff"])
    client.get("/api/v1/issues/")
    translations.calls = 0
    body = client.get("/api/v1/issues/").json()
    made = translations.calls
    assert len(body["results"]) == ROWS + 5
    issues = Issue.objects.in_bulk([row["id"] for row in body["results"]])
    assert all(
        row["status_label"] == issues[row["id"]].get_status_display() for row in body["results"]
    )
    assert made < 150, made
    # in English too (the labels are translated per response, not once per process)
    english = client.get("/api/v1/issues/", HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]
    with translation.override("en"):
        assert english["status_label"] == issues[english["id"]].get_status_display()
    assert english["status_label"] != body["results"][0]["status_label"]


def test_the_household_list_reverses_one_url_per_row_and_the_frame_once_per_process(
    client, world, reversals
):
    client.force_login(world["admin"])
    client.get(reverse("households:list"))
    reversals.calls = 0
    response = client.get(reverse("households:list"))
    assert len(response.context["page"].object_list) == ROWS
    # two links per row and the frame's twenty links, each reversed on every request, was 85
    assert reversals.calls <= ROWS + 12, reversals.calls
    body = response.content.decode()
    assert f'href="{reverse("households:detail", args=[response.context["page"][0].pk])}"' in body
    for name in ("home", "logout", "password_change", "liaison:notifications"):
        assert f'"{reverse(name)}"' in body


def test_the_frame_urls_follow_the_urlconf(settings):
    assert url_of("households:list") == reverse("households:list")
    assert url_of("no-such-page") is None
    settings.ROOT_URLCONF = "tests.perf_web.urls_elsewhere"
    assert url_of("home") == "/elsewhere/"


def test_the_household_list_reads_villages_with_an_indexed_probe_per_village(client, world):
    client.force_login(world["admin"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("households:list"))
    sql = [q["sql"] for q in queries.captured_queries if 'FROM "liaison_village"' in q["sql"]]
    assert sql and "EXISTS" in sql[0], sql
    # both villages are offered, as before
    assert set(Village.objects.filter(township=world["township"])) == set(
        response.context["filter"].filters["village"].queryset
    )


@pytest.mark.parametrize("value", [None, "", "b", ["c"]])
def test_quick_select_renders_the_markup_of_djangos_select(value):
    choices = [("", "全部"), ("a", "甲 <b>"), ("b", "乙 & 丙"), ("c", '"丁"')]
    attrs = {"id": "id_x", "class": "form-select", "data-x": "1"}
    quick = QuickSelect(choices=choices).render("x", value, attrs=attrs)
    django = forms.Select(choices=choices).render("x", value, attrs=attrs)
    from django.test.html import parse_html

    assert parse_html(quick) == parse_html(django)


def test_quick_select_of_a_model_choice_field_marks_the_chosen_row(world):
    villages = Village.objects.filter(township=world["township"]).order_by("name")
    field = forms.ModelChoiceField(queryset=villages, widget=QuickSelect)
    chosen = villages.last()

    class F(forms.Form):
        village = field

    html = str(F({"village": str(chosen.pk)})["village"])
    assert f'<option value="{chosen.pk}" selected>{chosen.name}</option>' in html
    assert html.count("<option") == villages.count() + 1
    assert 'value="" ' not in html  # the empty choice is not selected


def test_quick_select_leaves_option_groups_to_django():
    choices = [("组", [("a", "甲")]), ("b", "乙")]
    assert QuickSelect(choices=choices).render("x", "a") == forms.Select(choices=choices).render(
        "x", "a"
    )


def test_the_household_api_gives_each_rows_tag_labels_as_the_model_does(client, world):
    from households.models import Household, Tag

    tagged = Household.objects.filter(township=world["township"]).order_by("pk")[:10]
    for household in tagged:
        household.set_tags([Tag.values[0], Tag.values[-1]])
        household.save(update_fields=["tags"])
    client.force_login(world["admin"])
    rows = client.get("/api/v1/households/").json()["results"]
    households = Household.objects.in_bulk([row["id"] for row in rows])
    assert all(row["tag_labels"] == households[row["id"]].tag_labels for row in rows)
    assert sum(1 for row in rows if len(row["tag_labels"]) == 2) == 10
    english = client.get("/api/v1/households/", HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    with translation.override("en"):
        assert all(row["tag_labels"] == households[row["id"]].tag_labels for row in english)


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("staff", "issues:list"),
        ("staff", "issues:triage"),
        ("admin", "households:list"),
    ],
)
def test_a_list_page_makes_the_same_queries_for_one_row_as_for_a_page(client, world, who, url):
    """No query per row: the rows' related names come with the rows (select_related, one
    subquery for the household's cadre), the labels from the choices."""
    client.force_login(world[who])
    client.get(reverse(url))
    with CaptureQueriesContext(connection) as full:
        client.get(reverse(url))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse(url), {"q": "P003"} if url == "households:list" else {"page": 2})
    assert len(full) <= len(one) + 1, [q["sql"][:80] for q in full.captured_queries]
