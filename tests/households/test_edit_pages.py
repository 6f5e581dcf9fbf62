"""Editing a household on its own page: details, members, help records.

Permissions per role (404 out of scope, 403 read-only), Chinese field errors, masked numbers in
forms and in the audit, exactly one head, and no hard delete."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from core.models import AuditEntry
from households.models import HelpRecord, Household, Resident, Tag
from households.services_edit import help_record_update, help_record_void
from liaison.roles import Role
from tests.factories import (
    HouseholdFactory,
    PairingFactory,
    ResidentFactory,
    TownshipFactory,
    VillageFactory,
    WorkGroupFactory,
    valid_id_number,
)

pytestmark = pytest.mark.django_db

HEAD_ID = valid_id_number(11, "19600101")
CHILD_ID = valid_id_number(12, "19900202")
NEW_ID = valid_id_number(13, "19920303")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Many users per test; the production hasher is deliberately slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(township, make_user):
    east, west = township.villages.order_by("name")
    wg_east = east.workgroups.get()
    household = HouseholdFactory(
        township=township, village=east, code="E001", head_name="赵大", phone="13811112222",
        address="东村幸福路1号",
    )  # fmt: skip
    household.set_tags([Tag.HARDSHIP])
    household.save()
    head = ResidentFactory(household=household, name="赵大", id_number=HEAD_ID)
    head.phone = "13811112222"
    head.save()
    child = ResidentFactory(
        household=household,
        name="赵小",
        relation=Resident.Relation.CHILD,
        is_head=False,
        id_number=CHILD_ID,
    )
    users = {
        "admin": make_user(Role.ADMIN, township=township, workgroup=None),
        "leader": make_user(Role.LEADER, township=township, workgroup=None),
        "group_leader": make_user(Role.GROUP_LEADER, township=township, workgroup=wg_east),
        "cadre": make_user(Role.CADRE, township=township, workgroup=wg_east, name="王干部"),
        "other_cadre": make_user(Role.CADRE, township=township, workgroup=wg_east),
        "west_leader": make_user(
            Role.GROUP_LEADER, township=township, workgroup=west.workgroups.get()
        ),
        "village_handler": make_user(
            Role.VILLAGE_HANDLER, township=township, workgroup=None, village=east
        ),
    }
    PairingFactory(cadre=users["cadre"].cadre, household=household)
    elsewhere = TownshipFactory()
    far_village = VillageFactory(township=elsewhere)
    WorkGroupFactory(village=far_village)
    users["far_admin"] = make_user(Role.ADMIN, township=elsewhere, workgroup=None)
    return {
        "household": household,
        "head": head,
        "child": child,
        "east": east,
        "west": west,
        "far_village": far_village,
        **users,
    }


def _urls(world) -> dict:
    h, child = world["household"], world["child"]
    return {
        "edit": reverse("households:edit", args=[h.pk]),
        "member-add": reverse("households:member-add", args=[h.pk]),
        "member-edit": reverse("households:member-edit", args=[h.pk, child.pk]),
        "member-status": reverse("households:member-status", args=[h.pk, child.pk]),
        "help-add": reverse("households:help-add", args=[h.pk]),
    }


def _household_post(world, **overrides) -> dict:
    data = {
        "village": world["east"].pk,
        "grid": "2",
        "address": "东村幸福路1号",
        "tags": [Tag.HARDSHIP],
        "difficulty": Household.Difficulty.NONE,
        "note": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _member_post(**overrides) -> dict:
    data = {
        "name": "赵三",
        "id_number": NEW_ID,
        "gender": "",
        "relation": Resident.Relation.CHILD,
        "phone": "",
        "political_status": Resident.Political.MASSES,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _audits(obj, action=None):
    entries = AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    return entries.filter(action=action) if action else entries


def _errors(response, field: str) -> list[str]:
    return [str(e) for e in response.context["form"].errors.get(field, [])]


# --- Permissions -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("admin", 200),
        ("group_leader", 200),
        ("cadre", 200),
        ("leader", 403),
        ("village_handler", 403),
        ("west_leader", 404),
        ("other_cadre", 404),
        ("far_admin", 404),
    ],
)
def test_edit_pages_answer_by_role(client, world, who, expected):
    # given a user of each role
    client.force_login(world[who])

    # when they open every edit page of the household, then: edit, 403 read-only, 404 unseen
    for name, url in _urls(world).items():
        assert client.get(url).status_code == expected, name
        assert client.post(url, {}).status_code == expected, name  # editors: the form's errors


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(_urls(world)["edit"])

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(("who", "buttons"), [("admin", True), ("cadre", True), ("leader", False)])
def test_detail_shows_edit_buttons_only_to_editors(client, world, who, buttons):
    client.force_login(world[who])

    body = client.get(reverse("households:detail", args=[world["household"].pk])).content.decode()

    for testid in ("household-edit", "member-add", "member-edit", "member-status", "help-add"):
        assert (f'data-testid="{testid}"' in body) is buttons, testid


def test_only_admin_and_group_leader_correct_help_records(client, world):
    record = HelpRecord.objects.create(
        household=world["household"],
        helper_name="爱心企业",
        content="米面油",
        helped_on=dt.date(2026, 1, 5),
    )
    url = reverse("households:help-edit", args=[world["household"].pk, record.pk])

    for who, expected in [("admin", 200), ("group_leader", 200), ("cadre", 403), ("leader", 403)]:
        client.force_login(world[who])
        assert client.get(url).status_code == expected, who
    client.force_login(world["other_cadre"])
    assert client.get(url).status_code == 404


def test_a_cadre_who_is_also_village_handler_edits_only_paired_households(client, world, make_user):
    # given a cadre who also handles the east village (sees all its households)
    user = make_user(
        Role.CADRE, Role.VILLAGE_HANDLER, township=world["household"].township,
        workgroup=world["east"].workgroups.get(), village=world["east"],
    )  # fmt: skip
    client.force_login(user)

    # then the household they see as handler only is read-only
    assert client.get(_urls(world)["edit"]).status_code == 403


def test_forms_need_csrf(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["admin"])

    response = client.post(_urls(world)["edit"], _household_post(world, address="新地址"))

    assert response.status_code == 403
    world["household"].refresh_from_db()
    assert world["household"].address == "东村幸福路1号"


# --- Household ------------------------------------------------------------------------------------
def test_admin_edits_address_tags_village_and_the_change_is_audited(client, world):
    client.force_login(world["admin"])
    household = world["household"]

    response = client.post(
        _urls(world)["edit"],
        _household_post(
            world,
            village=world["west"].pk,
            address="  西村 和平路 8号 ",
            tags=[Tag.VETERAN, Tag.HARDSHIP],
            difficulty=Household.Difficulty.SUBSISTENCE,
            phone="+86 139-0000-1111",
        ),
    )

    assert response.status_code == 302
    household.refresh_from_db()
    assert household.village == world["west"]
    assert household.address == "西村 和平路 8号"
    assert household.tag_list == [Tag.VETERAN, Tag.HARDSHIP]
    assert household.difficulty == Household.Difficulty.SUBSISTENCE
    assert household.phone == "13900001111"
    entry = _audits(household, AuditEntry.Action.UPDATE).get()
    assert entry.actor == world["admin"]
    assert entry.changes["address"] == ["东村幸福路1号", "西村 和平路 8号"]
    assert entry.changes["tags"] == ["生活困难", "老党员老干部、生活困难"]
    assert entry.changes["village"] == ["东村", "西村"]
    assert entry.changes["phone"] == ["138****2222", "139****1111"]
    assert "13900001111" not in entry.summary + json.dumps(entry.changes)
    assert "详细地址 东村幸福路1号→西村 和平路 8号" in entry.summary


def test_saving_unchanged_form_writes_no_audit(client, world):
    client.force_login(world["admin"])

    client.post(_urls(world)["edit"], _household_post(world, grid=world["household"].grid))

    assert not _audits(world["household"]).exists()


def test_form_never_prefills_phone(client, world):
    client.force_login(world["admin"])

    body = client.get(_urls(world)["edit"]).content.decode()

    assert "13811112222" not in body
    assert "138****2222" in body


def test_cadre_cannot_move_household_to_another_village(client, world):
    client.force_login(world["cadre"])
    url = _urls(world)["edit"]

    assert "village" not in client.get(url).context["form"].fields
    client.post(url, _household_post(world, village=world["west"].pk, grid="9"))

    world["household"].refresh_from_db()
    assert (world["household"].village, world["household"].grid) == (world["east"], "9")


def test_group_leader_villages_are_those_of_the_group(client, world):
    client.force_login(world["group_leader"])

    form = client.get(_urls(world)["edit"]).context["form"]
    response = client.post(_urls(world)["edit"], _household_post(world, village=world["west"].pk))

    assert list(form.fields["village"].queryset) == [world["east"]]
    assert response.status_code == 200
    assert _errors(response, "village")  # "选择一个有效的选项" in Chinese


def test_district_admin_keeps_the_household_in_its_township(client, world, make_user):
    # given a district-level admin (no township), who sees every township
    client.force_login(make_user(Role.ADMIN, township=None, workgroup=None))

    edit = client.get(_urls(world)["edit"]).context["form"]
    help_form = client.get(_urls(world)["help-add"]).context["form"]

    # then villages and helper cadres come from the household's township only
    assert set(edit.fields["village"].queryset) == {world["east"], world["west"]}
    township_id = world["household"].township_id
    assert {c.township_id for c in help_form.fields["cadre"].queryset} == {township_id}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("address", "   ", "必填"),
        ("phone", "12345", "电话号码“12345”无效"),
        ("village", "far", "选择一个有效的选项"),
        ("difficulty", "rich", "选择一个有效的选项"),
        ("tags", ["nonsense"], "选择一个有效的选项"),
    ],
)
def test_household_form_errors_are_chinese(client, world, field, value, message):
    client.force_login(world["admin"])
    if value == "far":
        value = world["far_village"].pk

    response = client.post(_urls(world)["edit"], _household_post(world, **{field: value}))

    assert response.status_code == 200
    assert any(message in e for e in _errors(response, field)), _errors(response, field)
    assert 'aria-invalid="true"' in response.content.decode()


# --- Members --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "message"),
    [
        (NEW_ID[:-1] + ("0" if NEW_ID[-1] != "0" else "1"), "校验位错误"),
        ("1.10105E+17", "设为“文本”格式"),
        ("11010519920230123X", "出生日期"),
        ("12345", "应为18位"),
        (CHILD_ID, "已登记在系统中的其他成员名下"),
    ],
)
def test_member_id_number_errors(client, world, value, message):
    client.force_login(world["admin"])

    response = client.post(_urls(world)["member-add"], _member_post(id_number=value))

    assert response.status_code == 200
    assert any(message in e for e in _errors(response, "id_number")), _errors(response, "id_number")
    assert world["household"].residents.count() == 2


def test_member_added_with_a_legacy_15_digit_number(client, world):
    client.force_login(world["admin"])
    legacy = "110105" + "720315" + "123"  # 1972-03-15, before 1999

    response = client.post(
        _urls(world)["member-add"],
        _member_post(id_number=legacy, phone="138 0000 5555"),
        follow=True,
    )

    resident = world["household"].residents.get(name="赵三")
    assert resident.id_number == "11010519720315123" + resident.id_number[-1]
    assert len(resident.id_number) == 18
    assert (resident.birth_date, resident.gender) == (dt.date(1972, 3, 15), "M")
    assert resident.phone == "13800005555"
    assert "15位旧身份证号已按国家标准转换为18位" in response.content.decode()


def test_member_added_and_audited_with_masked_numbers(client, world):
    client.force_login(world["cadre"])

    response = client.post(
        _urls(world)["member-add"],
        _member_post(political_status=Resident.Political.PARTY_MEMBER, phone="13955556666"),
    )

    assert response.status_code == 302
    resident = world["household"].residents.get(name="赵三")
    assert (resident.gender, resident.birth_date) == ("M", dt.date(1992, 3, 3))
    entry = _audits(resident, AuditEntry.Action.CREATE).get()
    assert entry.actor == world["cadre"]
    assert entry.changes["id_masked"] == ["", resident.masked_id_number]
    assert entry.changes["phone"] == ["", "139****6666"]
    text = entry.summary + json.dumps(entry.changes, ensure_ascii=False)
    assert NEW_ID not in text and "13955556666" not in text


def test_gender_must_match_the_id_number_and_is_needed_without_one(client, world):
    client.force_login(world["admin"])
    url = _urls(world)["member-add"]

    wrong = client.post(url, _member_post(gender="F"))
    missing = client.post(url, _member_post(id_number=""))
    fine = client.post(url, _member_post(id_number="", gender="F", name="赵四"))

    assert "性别与身份证号不符" in _errors(wrong, "gender")[0]
    assert "没有身份证号时请选择性别" in _errors(missing, "gender")[0]
    assert fine.status_code == 302
    assert world["household"].residents.get(name="赵四").id_masked == ""


def test_relation_is_required_unless_head(client, world):
    client.force_login(world["admin"])

    response = client.post(_urls(world)["member-add"], _member_post(relation=""))

    assert "请选择与户主的关系" in _errors(response, "relation")[0]


def test_member_form_never_prefills_the_full_id_number_or_phone(client, world):
    # given an admin, who may reveal numbers (but opening a form is not an audited reveal)
    client.force_login(world["admin"])

    body = client.get(
        reverse("households:member-edit", args=[world["household"].pk, world["head"].pk])
    ).content.decode()

    assert HEAD_ID not in body and "13811112222" not in body
    assert world["head"].masked_id_number in body and "138****2222" in body
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.REVEAL).exists()


def test_replacing_the_id_number_audits_masks_only(client, world):
    client.force_login(world["admin"])
    child = world["child"]
    old_mask = child.masked_id_number

    response = client.post(
        _urls(world)["member-edit"],
        _member_post(
            name="赵小", id_number=NEW_ID, political_status=Resident.Political.LEAGUE_MEMBER
        ),
    )

    assert response.status_code == 302
    child.refresh_from_db()
    assert child.id_number == NEW_ID and child.birth_date == dt.date(1992, 3, 3)
    entry = _audits(child, AuditEntry.Action.UPDATE).get()
    assert entry.changes["id_masked"] == [old_mask, child.masked_id_number]
    assert entry.changes["political_status"] == ["群众", "共青团员"]
    assert NEW_ID not in entry.summary + json.dumps(entry.changes)
    assert CHILD_ID not in entry.summary + json.dumps(entry.changes)


def test_empty_id_and_phone_keep_the_stored_numbers(client, world):
    client.force_login(world["admin"])
    head = world["head"]

    client.post(
        reverse("households:member-edit", args=[world["household"].pk, head.pk]),
        _member_post(name="赵大", id_number="", relation="", is_head="on"),
    )

    head.refresh_from_db()
    assert (head.id_number, head.phone, head.is_head) == (HEAD_ID, "13811112222", True)
    assert not _audits(head).exists()


def test_clear_phone(client, world):
    client.force_login(world["admin"])
    head = world["head"]

    client.post(
        reverse("households:member-edit", args=[world["household"].pk, head.pk]),
        _member_post(name="赵大", id_number="", relation="", is_head="on", clear_phone="on"),
    )

    head.refresh_from_db()
    assert head.phone == ""


def _heads(household):
    return list(household.residents.filter(is_head=True).values_list("name", flat=True))


def test_a_new_head_takes_over_and_the_household_follows(client, world):
    client.force_login(world["admin"])
    household = world["household"]

    response = client.post(
        _urls(world)["member-edit"], _member_post(name="赵小", id_number="", is_head="on")
    )

    assert response.status_code == 302
    assert _heads(household) == ["赵小"]
    world["head"].refresh_from_db()
    assert world["head"].relation == Resident.Relation.OTHER
    household.refresh_from_db()
    assert household.head_name == "赵小"
    assert _audits(household).get().changes == {"head_name": ["赵大", "赵小"]}
    assert _audits(world["head"]).get().changes["is_head"] == ["是", "否"]


def test_adding_a_head_keeps_exactly_one(client, world):
    client.force_login(world["admin"])

    client.post(_urls(world)["member-add"], _member_post(is_head="on", relation=""))

    assert _heads(world["household"]) == ["赵三"]


def test_the_head_cannot_just_be_unticked(client, world):
    client.force_login(world["admin"])

    response = client.post(
        reverse("households:member-edit", args=[world["household"].pk, world["head"].pk]),
        _member_post(name="赵大", id_number="", relation=Resident.Relation.SPOUSE),
    )

    assert response.status_code == 200
    assert "每户必须有一名户主" in _errors(response, "is_head")[0]
    assert _heads(world["household"]) == ["赵大"]


def test_renaming_the_head_renames_the_household_head(client, world):
    client.force_login(world["admin"])

    client.post(
        reverse("households:member-edit", args=[world["household"].pk, world["head"].pk]),
        _member_post(name="赵 大 海", id_number="", relation="", is_head="on"),
    )

    world["household"].refresh_from_db()
    assert world["household"].head_name == "赵大海"  # spaces between characters dropped


def test_member_of_another_household_is_404(client, world):
    client.force_login(world["admin"])
    stranger = ResidentFactory(household=HouseholdFactory(village=world["east"]))

    url = reverse("households:member-edit", args=[world["household"].pk, stranger.pk])

    assert client.get(url).status_code == 404


# --- Moving away, death: never deleted ----------------------------------------------------------
def test_member_marked_moved_away_stays_as_former_member(client, world):
    client.force_login(world["admin"])
    child = world["child"]

    response = client.post(
        _urls(world)["member-status"], {"status": "moved_out", "on_date": "2026-03-01"}
    )

    assert response.status_code == 302
    child.refresh_from_db()
    assert (child.status, child.status_date) == ("moved_out", dt.date(2026, 3, 1))
    assert Resident.objects.filter(pk=child.pk).exists()
    detail = client.get(reverse("households:detail", args=[world["household"].pk]))
    assert [r["resident"].name for r in detail.context["former_rows"]] == ["赵小"]
    assert [r["resident"].name for r in detail.context["current_rows"]] == ["赵大"]
    assert "已迁出/已故成员" in detail.content.decode()
    entry = _audits(child, AuditEntry.Action.SOFT_DELETE).get()
    assert (entry.actor, entry.ip_address) == (world["admin"], "127.0.0.1")  # who, from where


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"status": "moved_out", "on_date": "2999-01-01"}, "on_date", "不能晚于今天"),
        ({"status": "moved_out", "on_date": "1980-01-01"}, "on_date", "不能早于该成员的出生日期"),
        ({"status": "moved_out", "on_date": "昨天"}, "on_date", "日期"),
        ({"status": "deleted", "on_date": "2026-01-01"}, "status", "选择一个有效的选项"),
    ],
)
def test_status_form_errors(client, world, data, field, message):
    client.force_login(world["admin"])

    response = client.post(_urls(world)["member-status"], data)

    assert response.status_code == 200
    assert any(message in e for e in _errors(response, field)), _errors(response, field)
    world["child"].refresh_from_db()
    assert world["child"].status == "present"


def test_the_head_leaves_last(client, world):
    client.force_login(world["admin"])
    url = reverse("households:member-status", args=[world["household"].pk, world["head"].pk])

    response = client.post(url, {"status": "deceased", "on_date": "2026-01-01"})

    assert "请先把另一名成员设为户主" in str(response.context["form"].non_field_errors())
    world["head"].refresh_from_db()
    assert world["head"].status == "present"


def test_restore_a_wrong_mark(client, world):
    client.force_login(world["admin"])
    child = world["child"]
    client.post(_urls(world)["member-status"], {"status": "deceased", "on_date": "2026-01-01"})

    client.post(reverse("households:member-restore", args=[world["household"].pk, child.pk]))

    child.refresh_from_db()
    assert (child.status, child.status_date) == ("present", None)
    assert _audits(child, AuditEntry.Action.UPDATE).get().changes["status"] == ["已故", "在户"]


def test_restore_needs_post_and_an_editor(client, world):
    url = reverse("households:member-restore", args=[world["household"].pk, world["child"].pk])
    client.force_login(world["leader"])
    assert client.post(url).status_code == 403
    client.force_login(world["admin"])
    assert client.get(url).status_code == 405


def test_there_is_no_way_to_delete_a_member(client, world):
    client.force_login(world["admin"])
    before = Resident.objects.count()

    for url in _urls(world).values():
        client.delete(url)

    assert Resident.objects.count() == before


# --- Help records (结对帮扶) -----------------------------------------------------------------------
def test_cadre_adds_a_help_record_as_the_helper(client, world):
    client.force_login(world["cadre"])
    url = _urls(world)["help-add"]
    form = client.get(url).context["form"]
    assert (
        form.initial.get("cadre") == world["cadre"].cadre.pk
        or form.fields["cadre"].initial == world["cadre"].cadre.pk
    )
    assert list(form.fields["cadre"].queryset) == [world["cadre"].cadre]

    response = client.post(
        url,
        {
            "cadre": world["cadre"].cadre.pk,
            "content": "送米面油",
            "helped_on": "2026-01-20",
            "amount": "200",
        },
    )

    assert response.status_code == 302
    record = world["household"].help_records.get()
    assert (record.cadre, record.content, str(record.amount)) == (
        world["cadre"].cadre,
        "送米面油",
        "200.00",
    )
    entry = _audits(record, AuditEntry.Action.CREATE).get()
    assert entry.changes["amount"] == ["", "200.00"]
    assert entry.township_id == world["household"].township_id
    body = client.get(reverse("households:detail", args=[world["household"].pk])).content.decode()
    assert "送米面油" in body and "200.00" in body


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"content": "慰问", "helped_on": "2026-01-01"}, "helper_name", "请选择帮扶干部"),
        ({"helper_name": "爱心企业", "content": "", "helped_on": "2026-01-01"}, "content", "必填"),
        ({"helper_name": "甲", "content": "慰问", "helped_on": "2999-01-01"}, "helped_on", "不能晚于今天"),
        ({"helper_name": "甲", "content": "慰问", "helped_on": "2026-01-01", "amount": "-5"}, "amount", "0"),
        ({"helper_name": "甲", "content": "慰问", "helped_on": "2026-01-01", "amount": "很多"}, "amount", "数"),
        ({"helper_name": "甲", "content": "慰问", "helped_on": "2026-01-01", "cadre": "999999"}, "cadre", "选择一个有效的选项"),
    ],
)  # fmt: skip
def test_help_record_errors(client, world, data, field, message):
    client.force_login(world["admin"])

    response = client.post(_urls(world)["help-add"], data)

    assert response.status_code == 200
    assert any(message in e for e in _errors(response, field)), _errors(response, field)
    assert not HelpRecord.objects.exists()


def test_cadre_cannot_name_another_cadre_as_helper(client, world):
    client.force_login(world["cadre"])

    response = client.post(
        _urls(world)["help-add"],
        {"cadre": world["other_cadre"].cadre.pk, "content": "慰问", "helped_on": "2026-01-01"},
    )

    assert _errors(response, "cadre")


def test_group_leader_corrects_a_help_record_and_the_old_values_stay_in_the_audit(client, world):
    record = HelpRecord.objects.create(
        household=world["household"], cadre=world["cadre"].cadre, content="慰问金",
        helped_on=dt.date(2026, 1, 5), amount=500,
    )  # fmt: skip
    client.force_login(world["group_leader"])
    url = reverse("households:help-edit", args=[world["household"].pk, record.pk])

    response = client.post(
        url,
        {
            "cadre": world["cadre"].cadre.pk,
            "content": "慰问金",
            "helped_on": "2026-01-05",
            "amount": "300",
        },
    )

    assert response.status_code == 302
    record.refresh_from_db()
    assert str(record.amount) == "300.00"
    entry = _audits(record, AuditEntry.Action.UPDATE).get()
    assert entry.changes == {"amount": ["500.00", "300.00"]}
    assert HelpRecord.objects.count() == 1


def test_help_record_of_another_household_is_404(client, world):
    other = HouseholdFactory(village=world["east"], township=world["household"].township)
    record = HelpRecord.objects.create(
        household=other, helper_name="甲", content="乙", helped_on=timezone.localdate()
    )
    client.force_login(world["admin"])

    response = client.get(reverse("households:help-edit", args=[world["household"].pk, record.pk]))

    assert response.status_code == 404


# --- Voiding help records (作废) --------------------------------------------------------------------
def _record(world, **fields) -> HelpRecord:
    data = {"helper_name": "爱心企业", "content": "米面油", "helped_on": dt.date(2026, 1, 5)}
    return HelpRecord.objects.create(household=world["household"], **{**data, **fields})


def _void_url(world, record) -> str:
    return reverse("households:help-void", args=[world["household"].pk, record.pk])


def _detail(client, world) -> str:
    return client.get(reverse("households:detail", args=[world["household"].pk])).content.decode()


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("admin", 302),
        ("group_leader", 302),
        ("cadre", 403),
        ("leader", 403),
        ("village_handler", 403),
        ("west_leader", 404),
        ("other_cadre", 404),
        ("far_admin", 404),
    ],
)
def test_void_answers_by_role(client, world, who, expected):
    # given a record someone else entered
    record = _record(world, recorded_by=world["admin"] if who != "admin" else None)
    client.force_login(world[who])

    # when they void it
    response = client.post(_void_url(world, record), {"reason": "重复录入"})

    # then only the admin and the village's group leader may; nobody deletes anything
    assert response.status_code == expected
    record.refresh_from_db()
    assert record.is_voided is (expected == 302)
    assert HelpRecord.objects.count() == 1


def test_void_is_post_only_with_csrf(client, world):
    record = _record(world)
    client.force_login(world["admin"])
    assert client.get(_void_url(world, record)).status_code == 405

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world["admin"])
    assert strict.post(_void_url(world, record), {"reason": "重复录入"}).status_code == 403
    record.refresh_from_db()
    assert not record.is_voided


@pytest.mark.parametrize("reason", ["", "   ", "\u3000"])
def test_void_needs_a_reason(client, world, reason):
    record = _record(world)
    client.force_login(world["admin"])

    response = client.post(_void_url(world, record), {"reason": reason})

    assert response.status_code == 200
    assert _errors(response, "reason") == ["请填写作废原因。"]
    assert 'data-testid="error-reason"' in response.content.decode()
    record.refresh_from_db()
    assert not record.is_voided
    assert not _audits(record).exists()


def test_void_keeps_the_record_struck_through_and_audits_it(client, world):
    # given two help records
    kept = _record(world, content="慰问金", amount=500)
    wrong = _record(world, content="重复的慰问金", amount=500)
    client.force_login(world["group_leader"])
    before = timezone.now()

    # when the group leader voids the wrong one
    response = client.post(_void_url(world, wrong), {"reason": " 重复录入 "})

    # then it is marked, not deleted: who, when, why
    assert response.status_code == 302 and response["Location"].endswith("#help")
    wrong.refresh_from_db()
    assert wrong.voided_by == world["group_leader"] and wrong.voided_at >= before
    assert wrong.void_reason == "重复录入"
    assert HelpRecord.objects.count() == 2
    # and the audit says who voided which record and why
    entry = _audits(wrong, AuditEntry.Action.SOFT_DELETE).get()
    assert entry.actor == world["group_leader"]
    assert entry.changes == {"void_reason": ["", "重复录入"]}
    assert "重复录入" in entry.summary and entry.township_id == world["household"].township_id
    assert not _audits(kept).exists()
    # and the household page still shows it, muted, with the reason, who and when
    body = _detail(client, world)
    name = world["group_leader"].cadre.name
    when = timezone.localtime(wrong.voided_at).strftime("%Y-%m-%d %H:%M")
    assert f"已作废：重复录入（{name}，{when}）" in body
    assert body.count('data-voided="1"') == 1
    assert "text-decoration-line-through" in body


def test_voided_records_are_out_of_the_totals(client, world):
    _record(world, amount=500)
    _record(world, amount=200)
    voided = _record(world, amount=300)
    client.force_login(world["admin"])
    client.post(_void_url(world, voided), {"reason": "录错了户"})

    response = client.get(reverse("households:detail", args=[world["household"].pk]))

    assert response.context["help_given"] == {"count": 2, "amount": 700}
    assert len(response.context["help_records"]) == 3  # still listed
    assert "共 2 条 · 合计 700.00 元" in response.content.decode()
    assert HelpRecord.objects.valid().count() == 2


def test_a_voided_record_can_no_longer_be_changed(client, world):
    record = _record(world, amount=500)
    client.force_login(world["admin"])
    client.post(_void_url(world, record), {"reason": "重复录入"})
    edit_url = reverse("households:help-edit", args=[world["household"].pk, record.pk])
    post = {"helper_name": "爱心企业", "content": "改了", "helped_on": "2026-01-05"}

    assert client.get(edit_url).status_code == 404
    assert client.post(edit_url, post).status_code == 404
    assert client.post(_void_url(world, record), {"reason": "再作废"}).status_code == 404
    record.refresh_from_db()
    assert (record.content, record.void_reason) == ("米面油", "重复录入")
    assert _audits(record).count() == 1
    body = _detail(client, world)
    assert 'data-testid="help-edit"' not in body and 'data-testid="help-void"' not in body
    # nor through the service (a stale page submitted after someone voided it)
    stale = HelpRecord.objects.get(pk=record.pk)
    stale.voided_at = None
    with pytest.raises(ValidationError, match="已作废"):
        help_record_update(record=stale, data={"content": "改了"}, actor=world["admin"])
    with pytest.raises(ValidationError, match="已作废"):
        help_record_void(record=stale, reason="再作废", actor=world["admin"])


def test_the_recorder_corrects_and_voids_their_own_record_only(client, world):
    # given a help record the paired cadre entered on the page, and one the clerk entered
    client.force_login(world["cadre"])
    client.post(
        _urls(world)["help-add"],
        {"cadre": world["cadre"].cadre.pk, "content": "送米面油", "helped_on": "2026-01-20"},
    )
    own = world["household"].help_records.get()
    assert own.recorded_by == world["cadre"]
    others = _record(world, recorded_by=world["admin"])

    # then the page offers the cadre 更正 and 作废 on their own record only
    body = _detail(client, world)
    assert body.count('data-testid="help-edit"') == 1
    assert body.count('data-testid="help-void-form"') == 1
    assert _void_url(world, own) in body and _void_url(world, others) not in body
    # they may correct it
    edit = reverse("households:help-edit", args=[world["household"].pk, own.pk])
    response = client.post(
        edit,
        {"cadre": world["cadre"].cadre.pk, "content": "送米面油两袋", "helped_on": "2026-01-20"},
    )
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.content == "送米面油两袋"
    # and void it, but not the clerk's
    assert client.post(_void_url(world, others), {"reason": "不对"}).status_code == 403
    assert client.post(_void_url(world, own), {"reason": "重复录入"}).status_code == 302
    own.refresh_from_db()
    assert own.voided_by == world["cadre"]
    entry = _audits(own, AuditEntry.Action.SOFT_DELETE).get()
    assert entry.actor == world["cadre"]


def test_the_recorder_loses_the_record_with_the_household(client, world):
    # given a record the cadre entered, then the pairing ends
    record = _record(world, recorded_by=world["cadre"])
    world["household"].pairings.update(end_date=timezone.localdate())
    client.force_login(world["cadre"])

    # then they no longer see it: 404, not a void
    assert client.post(_void_url(world, record), {"reason": "重复录入"}).status_code == 404
    record.refresh_from_db()
    assert not record.is_voided


def test_admin_site_records_who_added_a_help_record(world, rf):
    from django.contrib import admin

    request = rf.post("/")
    request.user = world["admin"]
    record = HelpRecord(
        household=world["household"], helper_name="甲", content="乙", helped_on=dt.date(2026, 1, 1)
    )
    model_admin = admin.site._registry[HelpRecord]

    model_admin.save_model(request, record, form=None, change=False)

    assert HelpRecord.objects.get().recorded_by == world["admin"]
    record.void_reason, record.voided_at = "重复录入", timezone.now()
    assert not model_admin.has_change_permission(request, record)


# --- English --------------------------------------------------------------------------------------
def test_errors_in_english_when_chosen(client, world):
    client.force_login(world["admin"])

    # the request activates English in this thread; give the next test its language back
    with translation.override(translation.get_language()):
        response = client.post(
            _urls(world)["member-add"], _member_post(relation=""), HTTP_ACCEPT_LANGUAGE="en"
        )

    assert response.status_code == 200
    assert "Choose the relation to the head" in response.content.decode()
