"""Household pages: search, filters, role scope, masking with an audited reveal, cards, export."""

import io

import pytest
from django.core import signing
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core.models import AuditEntry
from households.models import Household, Tag
from households.services import household_from_report_token, household_report_token
from liaison.roles import Role
from tests.factories import (
    CadreFactory,
    HouseholdFactory,
    PairingFactory,
    ResidentFactory,
    valid_id_number,
)
from visits.models import Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(township):
    east, west = township.villages.order_by("name")
    wg_east = east.workgroups.get()
    cadre = CadreFactory(township=township, workgroup=wg_east, name="王干部", phone="13900000001")
    mine = HouseholdFactory(
        township=township, village=east, code="E001", head_name="赵大", phone="13811112222"
    )
    mine.set_tags([Tag.HARDSHIP])
    mine.save()
    other = HouseholdFactory(township=township, village=west, code="W001", head_name="钱二")
    PairingFactory(cadre=cadre, household=mine)
    ResidentFactory(household=mine, name="赵大", id_number=valid_id_number(7, "19600101"))
    return {"mine": mine, "other": other, "cadre": cadre, "east": east, "wg_east": wg_east}


@pytest.fixture
def admin(make_user, township):
    return make_user(Role.ADMIN, township=township, workgroup=None)


def _codes(response):
    return [h.code for h in response.context["page"]]


def test_admin_sees_all_and_searches(client, admin, world):
    client.force_login(admin)
    url = reverse("households:list")

    assert _codes(client.get(url)) == ["E001", "W001"]
    assert _codes(client.get(url, {"q": "赵"})) == ["E001"]
    assert _codes(client.get(url, {"q": "w001"})) == ["W001"]
    assert _codes(client.get(url, {"q": "2222"})) == ["E001"]  # last 4 of the phone
    last4 = valid_id_number(7, "19600101")[-4:]
    assert _codes(client.get(url, {"q": last4})) == ["E001"]  # last 4 of an ID number


def test_filters(client, admin, world):
    client.force_login(admin)
    url = reverse("households:list")

    assert _codes(client.get(url, {"village": world["east"].pk})) == ["E001"]
    assert _codes(client.get(url, {"workgroup": world["wg_east"].pk})) == ["E001"]
    assert _codes(client.get(url, {"tag": Tag.HARDSHIP})) == ["E001"]
    assert _codes(client.get(url, {"cadre": world["cadre"].pk})) == ["E001"]
    Household.objects.filter(pk=world["mine"].pk).update(grid="3")
    Household.objects.filter(pk=world["other"].pk).update(grid="4")
    assert _codes(client.get(url, {"grid": "3"})) == ["E001"]
    Visit.objects.create(
        cadre=world["cadre"], household=world["mine"], visited_on=timezone.localdate()
    )
    assert _codes(client.get(url, {"not_visited": "true"})) == ["W001"]


def test_list_is_paginated_with_constant_queries(
    client, admin, world, django_assert_max_num_queries
):
    for n in range(40):
        HouseholdFactory(township=world["mine"].township, village=world["east"], code=f"P{n:03d}")
    client.force_login(admin)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("households:list"))
    assert len(response.context["page"]) == 30
    assert response.context["page"].paginator.num_pages == 2


def test_cadre_sees_only_paired_households_and_404_elsewhere(client, world):
    client.force_login(world["cadre"].user)
    world["cadre"].user.groups.add(*_groups(Role.CADRE))

    assert _codes(client.get(reverse("households:list"))) == ["E001"]
    assert client.get(reverse("households:detail", args=[world["mine"].pk])).status_code == 200
    assert client.get(reverse("households:detail", args=[world["other"].pk])).status_code == 404
    assert client.get(reverse("households:card", args=[world["other"].pk])).status_code == 404


def _groups(*roles):
    from django.contrib.auth.models import Group

    return list(Group.objects.filter(name__in=[r.value for r in roles]))


def test_detail_masks_numbers_and_reveal_is_audited(client, world):
    user = world["cadre"].user
    user.groups.add(*_groups(Role.CADRE))
    client.force_login(user)
    full = valid_id_number(7, "19600101")

    page = client.get(reverse("households:detail", args=[world["mine"].pk])).content.decode()
    assert full not in page and full[:4] + "**********" + full[-4:] in page
    assert "13811112222" not in page

    revealed = client.post(reverse("households:reveal", args=[world["mine"].pk])).content.decode()
    assert full in revealed
    entry = AuditEntry.objects.get(action=AuditEntry.Action.REVEAL)
    assert (entry.actor, entry.object_id) == (user, str(world["mine"].pk))


def test_leader_cannot_reveal(client, make_user, township, world):
    leader = make_user(Role.LEADER, township=township, workgroup=None)
    client.force_login(leader)

    page = client.get(reverse("households:detail", args=[world["mine"].pk])).content.decode()
    assert 'data-testid="reveal"' not in page
    assert client.post(reverse("households:reveal", args=[world["mine"].pk])).status_code == 403
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.REVEAL).exists()


def test_contact_card_has_qr_service_number_and_cadre(client, admin, world):
    client.force_login(admin)
    page = client.get(reverse("households:card", args=[world["mine"].pk])).content.decode()
    assert "<svg" in page and "010-88886666" in page and "13900000001" in page and "王干部" in page
    batch = client.get(reverse("households:workgroup-cards", args=[world["wg_east"].pk]))
    assert batch.content.decode().count('data-testid="card"') == 1


def test_report_token_round_trip_and_tamper():
    household = HouseholdFactory()
    token = household_report_token(household)
    assert household_from_report_token(token) == household
    with pytest.raises(signing.BadSignature):
        household_from_report_token(token[:-2] + "xx")
    with pytest.raises(signing.BadSignature):
        household_from_report_token(signing.dumps(household.pk, salt="other"))


def _export(client, **params):
    response = client.get(reverse("households:export"), params)
    assert response.status_code == 200
    return load_workbook(
        io.BytesIO(
            b"".join(response.streaming_content if response.streaming else [response.content])
        )
    )


def test_export_masked_for_admin_and_leader_neutralised_and_audited(
    client, admin, make_user, township, world
):
    # every export is masked; full numbers: the reveal export (tests/households/test_ledger_export.py)
    world["other"].head_name = '=HYPERLINK("http://x")'
    world["other"].save()
    full = valid_id_number(7, "19600101")

    client.force_login(admin)
    workbook = _export(client)
    members = list(workbook["成员"].iter_rows(min_row=2, values_only=True))
    assert members[0][3] != full and members[0][3].endswith(full[-4:])
    heads = [row[4] for row in workbook["户"].iter_rows(min_row=2, values_only=True)]
    assert '\'=HYPERLINK("http://x")' in heads

    leader = make_user(Role.LEADER, township=township, workgroup=None)
    client.force_login(leader)
    workbook = _export(client)
    members = list(workbook["成员"].iter_rows(min_row=2, values_only=True))
    assert members[0][3] != full and members[0][3].endswith(full[-4:])
    assert AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).count() == 2


def test_cadre_may_not_export(client, world):
    world["cadre"].user.groups.add(*_groups(Role.CADRE))
    client.force_login(world["cadre"].user)
    assert client.get(reverse("households:export")).status_code == 403


def test_export_ledger_command(world, tmp_path, monkeypatch):
    target = tmp_path / "h.xlsx"
    call_command("export_ledger", "households", str(target))
    assert load_workbook(target)["户"].max_row == 3
    assert AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()

    from households.management.commands import export_ledger

    monkeypatch.setitem(export_ledger.LEDGERS, "visits", "nowhere.ledger.export_visits")
    with pytest.raises(CommandError, match="尚未提供"):
        call_command("export_ledger", "visits", str(tmp_path / "v.xlsx"))
    monkeypatch.setitem(export_ledger.LEDGERS, "visits", "households.ledger.no_such_function")
    with pytest.raises(CommandError, match="尚未提供"):
        call_command("export_ledger", "visits", str(tmp_path / "v.xlsx"))


def test_detail_page_query_count_is_constant(client, admin, world, django_assert_max_num_queries):
    for n in range(10):
        ResidentFactory(
            household=world["mine"], name=f"成员{n}", id_number=valid_id_number(100 + n)
        )
        Visit.objects.create(cadre=world["cadre"], household=world["mine"])
    client.force_login(admin)
    # 18: with the help given (an aggregate) and the help records the user may correct or void
    with django_assert_max_num_queries(18):
        response = client.get(reverse("households:detail", args=[world["mine"].pk]))
    assert len(response.context["residents"]) == 11
    assert len(response.context["visits"]) == 10
