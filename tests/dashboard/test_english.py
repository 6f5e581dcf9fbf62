"""The dashboard, the assessment and the admin in English (issue 15 item 15): the month and
quarter pickers, "(unassigned)", the admin header, and no full-width punctuation in English.

Data (names of people, places, committees, issues) stays as entered; everything else on these
pages reads in English. The pickers are checked by their option text: the shared helper
`visible_text` leaves <select> out, which is how the Chinese month names went unnoticed."""

import re

import pytest
from django.urls import reverse

from committees.models import Committee
from dashboard.models import Survey
from households.models import Household
from issues.models import Issue, Status
from liaison.models import Cadre, Township, Village, WorkGroup
from liaison.roles import Role
from tests.conftest import create_user
from tests.liaison.test_i18n import HAN, PO, choose_english, parse_po
from visits.models import VisitCampaign

from .conftest import _issue

FULL_WIDTH = re.compile(r"[：，（）；。、！？]")
# English messages may name the enumeration comma 、 itself (the committees' keyword hint)
FULL_WIDTH_IN_PO = re.compile(r"[：，（）；。！？]")
MARCH = "?period=month&year=2025&month=3"


def _options(body: str, name: str) -> list[str]:
    select = re.search(rf'(?s)<select name="{name}".*?</select>', body).group(0)
    return [t.strip() for t in re.findall(r"(?s)<option[^>]*>(.*?)</option>", select)]


def _text(body: str) -> str:
    """What a reader sees or hears: the text outside scripts and styles, option labels
    included, and the title, aria-label and placeholder attributes."""
    body = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", body)
    attributes = re.findall(r'(?:title|aria-label|placeholder)="([^"]*)"', body)
    import html

    return html.unescape(" ".join([re.sub(r"(?s)<[^>]+>", " ", body), *attributes]))


def _without_data(text: str) -> str:
    """The text with every name the database holds taken out (longest first)."""
    names = set()
    for model, fields in (
        (Township, ["name"]),
        (Village, ["name"]),
        (WorkGroup, ["name"]),
        (Committee, ["name"]),
        (Cadre, ["name", "title"]),
        (Issue, ["description"]),
        (Household, ["head_name", "address"]),
        (Survey, ["title"]),
        (VisitCampaign, ["name"]),
    ):
        for row in model.objects.values_list(*fields):
            names.update(v for v in row if v)
    names.add("简体中文")  # the language switch names each language in itself
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    return text


def _superuser(town):
    return create_user(Role.ADMIN, superuser=True, township=town.township, workgroup=None)


def _english(client, user, url):
    client.force_login(user)
    choose_english(client, url)
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'lang="en"' in body
    return body


def test_the_pickers_name_months_and_quarters_in_the_readers_language(town, client):
    body = _english(client, town.users["leader"], reverse("liaison:dashboard") + MARCH)
    assert _options(body, "month")[:3] == ["January", "February", "March"]
    assert _options(body, "quarter") == ["Q1", "Q2", "Q3", "Q4"]
    assert _options(body, "period") == ["Monthly", "Quarterly", "Yearly", "Custom"]
    assert "2025-03" in body  # the period's label
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    chinese = client.get(reverse("liaison:dashboard") + "?period=quarter&year=2025&quarter=3")
    body = chinese.content.decode()
    assert _options(body, "month")[10:] == ["11月", "12月"]
    assert _options(body, "quarter")[2] == "第3季度"
    assert "2025年第3季度" in body


def test_unassigned_rows_say_so_in_english(town, client):
    # given an issue of March that no committee has taken yet
    _issue("J", village=town.v1, committee=None, status=Status.REPORTED)
    # when the leader reads March's dashboard in English, then in Chinese
    body = _english(client, town.users["leader"], reverse("liaison:dashboard") + MARCH)
    committees = {r["label"] for r in _summary(client)["by_committee"]}
    assert "(unassigned)" in committees and "（未分派）" not in body
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "（未分派）" in {r["label"] for r in _summary(client)["by_committee"]}


def _summary(client):
    return client.get(reverse("liaison:dashboard") + MARCH).context["s"]


def test_the_admin_header_is_english(town, client):
    body = _english(client, _superuser(town), reverse("admin:index"))
    header = re.search(r'(?s)<div id="site-name">.*?</div>', body).group(0)
    assert "Lianxin · Administration" in header
    assert "Township Liaison Portal" in body  # the index title
    title = re.search(r"(?s)<title>(.*?)</title>", body).group(1)
    assert not HAN.search(title), title


@pytest.mark.parametrize(
    "url_name,user",
    [
        ("liaison:dashboard", "leader"),
        ("liaison:assessment", "leader"),
        ("liaison:dashboard-print", "leader"),
        ("admin:index", "admin"),
    ],
)
def test_no_chinese_interface_text_in_english(town, survey, campaign, client, url_name, user):
    reader = _superuser(town) if user == "admin" else town.users[user]
    body = _english(client, reader, reverse(url_name) + MARCH)
    text = _without_data(_text(body))
    assert not HAN.search(text), sorted(set(re.findall(r"\S*[\u4e00-\u9fff]+\S*", text)))[:30]
    assert not FULL_WIDTH.search(text), sorted(set(re.findall(r"\S*[：，（）；。、]\S*", text)))


def test_no_english_message_has_full_width_punctuation():
    wrong = [
        (e["msgid"], value)
        for e in parse_po(PO)
        for key, value in e.items()
        if key.startswith("msgstr") and FULL_WIDTH_IN_PO.search(value)
    ]
    assert wrong == []
