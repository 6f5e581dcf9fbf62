"""Issue #12, finding 15 (the part of helper E): a solved self-report challenge works once;
contact-card links retire with the card's print run after CONTACT_CARD_OLD_LINK_DAYS; responses
with personal data are `Cache-Control: no-store, private`; the roster preview does not say that
an ID number or a phone is registered in another township."""

import datetime as dt
import time

import pytest
import time_machine
from django.core import signing
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry
from households.contact_cards import (
    contact_cards_reprint,
    household_from_report_token,
    household_report_token,
)
from households.models import ContactCardRun
from households.roster.runner import run_roster
from issues import self_report
from issues.models import Issue
from liaison.roles import Role
from tests.factories import (
    CadreFactory,
    HouseholdFactory,
    PairingFactory,
    ResidentFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
    WorkGroupFactory,
    valid_id_number,
)
from tests.households.workbooks import make_workbook

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def _self_report_form(challenge: str) -> dict:
    return {
        "reporter_name": "王大爷",
        "reporter_phone": "13800001111",
        "description": "楼道灯坏了好几天了",
        "answer": "7",
        "started": challenge,
        "website": "",
    }


# --- the arithmetic challenge is single-use ----------------------------------------------------
def test_a_solved_challenge_cannot_be_replayed(client):
    # given a household's card link and one solved challenge
    household = HouseholdFactory()
    url = reverse("issues:self-report", args=[household_report_token(household)])
    challenge = signing.dumps(
        {"a": 3, "b": 4, "t": time.time() - 10, "n": "x"}, salt=self_report.CHALLENGE_SALT
    )
    form = _self_report_form(challenge)
    # when the same form is posted twice
    first = client.post(url, form, REMOTE_ADDR="10.0.0.1")
    second = client.post(url, form, REMOTE_ADDR="10.0.0.2")
    # then only the first lands; the replay is asked to solve a new challenge
    assert first.status_code == 302
    assert second.status_code == 400
    assert Issue.objects.count() == 1
    assert self_report.challenge_error(challenge, 7, "") == "reused"


def test_every_challenge_shown_is_a_different_one():
    assert self_report.new_challenge()[1] != self_report.new_challenge()[1]


# --- contact-card links retire with the print run ---------------------------------------------
def test_a_reprint_retires_the_old_links_after_the_documented_period(settings):
    # given a card printed before runs were recorded (the household id alone), and run 0
    settings.CONTACT_CARD_OLD_LINK_DAYS = 180
    household = HouseholdFactory()
    legacy = signing.dumps(household.pk, salt="lianxin.household-report")
    first = household_report_token(household)
    assert household_from_report_token(first) == household
    # when the cards are printed again
    contact_cards_reprint(households=[household], actor=None)
    second = household_report_token(household)
    # then the new link works, and the old ones keep working for the documented period
    assert second != first
    now = timezone.now()
    for token in (legacy, first, second):
        assert household_from_report_token(token, now=now + dt.timedelta(days=179)) == household
    # and then only the new link works
    later = now + dt.timedelta(days=181)
    for token in (legacy, first):
        with pytest.raises(signing.BadSignature):
            household_from_report_token(token, now=later)
    assert household_from_report_token(second, now=later) == household


def test_the_self_report_page_refuses_a_retired_card_link(client, settings):
    settings.CONTACT_CARD_OLD_LINK_DAYS = 180
    household = HouseholdFactory()
    old = household_report_token(household)
    contact_cards_reprint(households=[household], actor=None)
    with time_machine.travel(timezone.now() + dt.timedelta(days=181)):
        assert client.get(reverse("issues:self-report", args=[old])).status_code == 404
        new = household_report_token(household)
        assert client.get(reverse("issues:self-report", args=[new])).status_code == 200


def test_reprinting_from_the_card_page_is_scoped_and_audited(client, make_user):
    # given a cadre paired with a household, and a cadre of another township
    pairing = PairingFactory()
    cadre = make_user(Role.CADRE, workgroup=pairing.cadre.workgroup)
    pairing.cadre = cadre.cadre
    pairing.save()
    household = pairing.household
    stranger = make_user(
        Role.CADRE, workgroup=WorkGroupFactory(village=VillageFactory(township=TownshipFactory()))
    )
    url = reverse("households:card-reprint", args=[household.pk])
    # when the stranger tries, nothing happens
    client.force_login(stranger)
    assert client.post(url).status_code == 404
    assert not ContactCardRun.objects.exists()
    # when the cadre starts a new print run
    client.force_login(cadre)
    assert client.post(url).status_code == 302
    # then run 1 exists, the card is of the new run, and the reprint is audited
    run = ContactCardRun.objects.get()
    assert (run.household, run.number, run.printed_by) == (household, 1, cadre)
    page = client.get(reverse("households:card", args=[household.pk])).content.decode()
    assert "第 1 批" in page
    assert AuditEntry.objects.filter(object_id=str(household.pk), actor=cadre).exists()


# --- no caching of personal data ------------------------------------------------------------
def test_signed_in_pages_are_no_store(client, make_user):
    client.force_login(make_user(Role.ADMIN))
    response = client.get(reverse("households:list"))
    assert response.status_code == 200
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= directives


def test_every_api_response_is_no_store(client, make_user):
    # even the refusal of an anonymous request
    anonymous = client.get("/api/v1/households/")
    assert "no-store" in anonymous["Cache-Control"]
    client.force_login(make_user(Role.ADMIN))
    response = client.get("/api/v1/households/")
    assert response.status_code == 200
    assert {"no-store", "private"} <= {d.strip() for d in response["Cache-Control"].split(",")}


# --- the import preview does not tell where else someone is registered ---------------------------
def test_the_preview_says_only_that_an_id_cannot_be_imported_here():
    # given a resident of another township, and this township's roster naming the same ID number
    here = TownshipFactory()
    VillageFactory(township=here, name="东村")
    taken = valid_id_number(7)
    ResidentFactory(household=HouseholdFactory(), id_number=taken)
    phone = "13900000077"
    CadreFactory(user=UserFactory(username=phone), phone=phone)  # a cadre of another township
    WorkGroupFactory(township=here, village=VillageFactory(township=here, name="西村"))
    data = make_workbook(
        households=[
            {"户编号": "H0001", "村（社区）": "东村", "详细地址": "幸福路1号", "户主姓名": "张三"}
        ],
        members=[{"户编号": "H0001", "姓名": "李四", "身份证号": taken, "与户主关系": "子女"}],
        cadres=[{"手机号": phone, "姓名": "王五", "工作组": "西村工作组", "职务": "组员"}],
    )
    # when it is previewed
    ctx = run_roster(data=data, township=here, dry_run=True)
    # then the rows are refused without naming another township
    by_column = {e["column"]: e["message"] for e in ctx.errors}
    assert "不能在本乡镇" in by_column["身份证号"]
    assert "不能在本乡镇" in by_column["手机号"]
    for message in by_column.values():
        assert "其他乡镇" not in message and "已登记" not in message
