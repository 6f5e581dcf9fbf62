"""Issue 15, items 12 and 13: a roster import that ends pairings, moves members or unsettles a
household's head says so in its preview, and is refused unless it is what the clerk confirmed.

- Pairings the file leaves out are listed (cadre -> household, per cadre); ending more than
  ROSTER_END_PAIRINGS_CONFIRM of them needs their number typed, on the page and in the command
  alike, and nothing ends unless exactly the confirmed number is missing when the import runs.
- A person whose ID number is registered in another household of the township is a move, shown
  as from -> to (and a new name as old -> new), recorded as a move on the member.
- A file that leaves a household it touches without a head, or with two, is refused whole, with
  an error on the rows that did it naming the household.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from core.models import AuditEntry
from households.models import Household, Resident, RosterImport, RosterImportChange
from households.roster.guards import typed_count
from households.roster.service import roster_commit, roster_preview, roster_upload_create
from liaison.models import Pairing
from liaison.roles import Role
from tests.factories import HouseholdFactory, ResidentFactory, valid_id_number
from tests.households.conftest import household_row, member_row
from tests.households.workbooks import make_workbook

pytestmark = pytest.mark.django_db


def _upload(township, rows, actor=None):
    return roster_upload_create(
        data=make_workbook(**rows), file_name="r.xlsx", township=township, actor=actor
    )


def _commit(township, rows, **ending):
    return roster_commit(roster_import=_upload(township, rows), **ending)


def _preview(township, rows, **ending):
    return roster_preview(roster_import=_upload(township, rows), **ending)


def _only(rows, *codes):
    """The roster cut down to some households: the file leaves the others' pairings out."""
    keep = set(codes)
    return {
        "households": [h for h in rows["households"] if h["户编号"] in keep],
        "members": [m for m in rows["members"] if m["户编号"] in keep],
        "cadres": rows["cadres"],
        "pairings": [p for p in rows["pairings"] if p["户编号"] in keep],
    }


THREE = ("H0001", "H0002", "H0003")


def _errors(imp):
    return [(e["sheet"], e["row"], e["column"]) for e in imp.errors]


@pytest.fixture
def imported(township, roster_rows):
    """H0001-H0005 with their heads (from the 户 sheet), one child each, five pairings."""
    assert _commit(township, roster_rows).status == RosterImport.Status.DONE
    return roster_rows


@pytest.fixture
def admin_client(client, make_user, township):
    client.force_login(make_user(Role.ADMIN, township=township, workgroup=None))
    return client


# --- Item 12: the pairings a file leaves out -------------------------------------------------


def test_preview_lists_exactly_which_pairings_would_end(township, imported):
    # when a file with three of the five households is previewed
    imp = _preview(township, _only(imported, *THREE))

    # then the preview names the two pairings that would end, cadre -> household, per cadre
    assert imp.status == RosterImport.Status.PREVIEWED and imp.missing_pairings == 2
    ending = {(e["cadre"], e["code"], e["head"]) for e in imp.preview["ending"]}
    assert ending == {("李干部", "H0004", "户主4"), ("王干部", "H0005", "户主5")}
    assert imp.preview["ending_count"] == 2
    by_cadre = {(c["cadre"], c["phone"], c["count"]) for c in imp.preview["ending_by_cadre"]}
    assert by_cadre == {("李干部", "13900000002", 1), ("王干部", "13900000001", 1)}
    assert Pairing.objects.current().count() == 5


def test_a_long_list_is_capped_with_its_total(township, imported, monkeypatch):
    from households.roster import context

    monkeypatch.setattr(context, "PREVIEW_LISTED", 1)
    imp = _preview(township, _only(imported, "H0001", "H0002"))
    assert len(imp.preview["ending"]) == 1 and imp.preview["ending_count"] == 3
    assert sum(c["count"] for c in imp.preview["ending_by_cadre"]) == 3  # every cadre counted


def test_above_the_threshold_ending_needs_the_typed_number(township, imported, settings):
    settings.ROSTER_END_PAIRINGS_CONFIRM = 2
    rows = _only(imported, "H0001", "H0002")  # leaves out 3 pairings

    # when the import is asked to end them without the number, or with a wrong one
    unconfirmed = _commit(township, rows, end_missing_pairings=True)
    wrong = _commit(township, rows, end_missing_pairings=True, confirm_end=7601)

    # then it is refused whole with a message that says what to type; nothing is written
    for imp in (unconfirmed, wrong):
        assert imp.status == RosterImport.Status.INVALID
        assert [e["sheet"] for e in imp.errors] == ["结对"]
    assert "输入将结束的结对数 3" in unconfirmed.errors[0]["message"]
    assert "--confirm-end 3" in unconfirmed.errors[0]["message"]
    assert "（7601）与将结束的结对数（3）不符" in wrong.errors[0]["message"]
    assert Pairing.objects.current().count() == 5

    # when the number is confirmed, they end (never deleted) and the audit says how many
    done = _commit(township, rows, end_missing_pairings=True, confirm_end=3)
    assert done.status == RosterImport.Status.DONE
    assert Pairing.objects.current().count() == 2 and Pairing.objects.count() == 5
    audit = AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT).latest("id")
    assert (audit.changes["pairings_ended"], audit.changes["pairings_end_confirmed"]) == (3, 3)


def test_up_to_the_threshold_the_tick_alone_ends_them(township, imported):
    imp = _commit(township, _only(imported, "H0001", "H0002"), end_missing_pairings=True)
    assert imp.status == RosterImport.Status.DONE
    assert Pairing.objects.current().count() == 2


def test_nothing_ends_when_more_are_missing_than_the_preview_showed(
    admin_client, township, imported, django_capture_on_commit_callbacks
):
    # given a preview that shows two pairings ending (below the threshold: the tick confirms 2)
    response = admin_client.post(
        reverse("households:import"),
        {"file": SimpleUploadedFile("r.xlsx", make_workbook(**_only(imported, *THREE)))},
        follow=True,
    )
    imp = response.context["imp"]
    assert imp.missing_pairings == 2
    # and meanwhile another pairing outside the file appears
    HouseholdFactory(township=township, village=township.villages.first(), code="H0099")
    Pairing.objects.create(
        cadre=Pairing.objects.first().cadre,
        household=Household.objects.get(code="H0099"),
        start_date=imp.created_at.date(),
    )

    # when the clerk ticks and confirms what they saw
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("households:import-confirm", args=[imp.pk]), {"end_missing_pairings": "on"}
        )

    # then the import is refused: three would end, two were confirmed; nothing ended
    imp.refresh_from_db()
    assert imp.status == RosterImport.Status.INVALID
    assert "（2）与将结束的结对数（3）不符" in imp.errors[0]["message"]
    assert Pairing.objects.current().count() == 6


def test_page_and_command_refuse_the_unconfirmed_ending_alike(
    admin_client, township, imported, settings, tmp_path, django_capture_on_commit_callbacks
):
    """Parity: the confirmation page and `manage.py import_roster` hold the same rule (the
    import has no API door)."""
    settings.ROSTER_END_PAIRINGS_CONFIRM = 2
    rows = _only(imported, "H0001", "H0002")
    data = make_workbook(**rows)

    # the page: the preview lists the three pairings and asks for the number
    response = admin_client.post(
        reverse("households:import"), {"file": SimpleUploadedFile("r.xlsx", data)}, follow=True
    )
    imp = response.context["imp"]
    page = response.content.decode()
    assert 'data-testid="ending-pairings"' in page and 'name="confirm_end"' in page
    assert "H0003" in page and "H0004" in page and "H0005" in page
    confirm = reverse("households:import-confirm", args=[imp.pk])
    # ticked without typing, or with another number, or with no number: refused, not queued
    for typed in ("", "5", "全部"):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            refused = admin_client.post(
                confirm, {"end_missing_pairings": "on", "confirm_end": typed}
            )
        assert callbacks == []
        assert 'data-testid="confirm-error"' in refused.content.decode()
        imp.refresh_from_db()
        assert imp.status == RosterImport.Status.PREVIEWED

    # the command: the same refusal without --confirm-end, nothing written
    path = tmp_path / "r.xlsx"
    path.write_bytes(data)
    with pytest.raises(CommandError):
        call_command("import_roster", str(path), "--end-missing-pairings")
    last = RosterImport.objects.latest("id")
    assert last.status == RosterImport.Status.INVALID
    page_refusal = admin_client.post(confirm, {"end_missing_pairings": "on"}).context[
        "confirm_error"
    ]
    assert last.errors[0]["message"] == page_refusal
    with pytest.raises(CommandError, match="--end-missing-pairings"):
        call_command("import_roster", str(path), "--confirm-end", "3")
    assert Pairing.objects.current().count() == 5

    # typed ("3", or "结束 3 个结对", or full-width "３") the page's import ends them
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(confirm, {"end_missing_pairings": "on", "confirm_end": "结束 ３ 个结对"})
    imp.refresh_from_db()
    assert imp.status == RosterImport.Status.DONE and imp.end_pairings_confirmed == 3
    assert Pairing.objects.current().count() == 2
    assert imp.change_rows.filter(action="ended").count() == 3


def test_command_confirms_with_the_number_and_lists_what_ends(
    township, imported, settings, tmp_path, capsys
):
    settings.ROSTER_END_PAIRINGS_CONFIRM = 2
    path = tmp_path / "r.xlsx"
    path.write_bytes(make_workbook(**_only(imported, "H0001", "H0002")))

    call_command("import_roster", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "--end-missing-pairings --confirm-end 3" in out
    assert "结对：李干部 → H0004 户主4" in out

    call_command("import_roster", str(path), "--end-missing-pairings", "--confirm-end", "3")
    assert "已结束" in capsys.readouterr().out
    assert Pairing.objects.current().count() == 2


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("7601", 7601),
        (" 7,601 ", 7601),
        ("７６０１", 7601),
        ("结束 7601 个结对", 7601),
        ("", None),
        ("全部", None),
        ("3 或 4", None),
        ("9999999999", None),
    ],
)
def test_typed_count(typed, number):
    assert typed_count(typed) == number


# --- Item 13: a member moving between households ---------------------------------------------


def _child_of(n: int) -> dict:
    return member_row(n)  # 成员n-1, 子女 of H000n


def test_a_member_registered_in_another_household_is_shown_as_a_move(township, imported):
    # given 成员1-1, a child of H0001; a file registers a new household H0006 headed by a new
    # person, with 成员1-1 (renamed) as its member
    child = _child_of(1)
    rows = {
        "households": [household_row(6)],
        "members": [{**child, "户编号": "H0006", "姓名": "成员一", "与户主关系": "配偶"}],
    }

    # when it is previewed
    imp = _preview(township, rows)

    # then the preview shows a move from H0001 to H0006 (and the new name), not "成员 更新 1"
    assert imp.status == RosterImport.Status.PREVIEWED, imp.errors
    assert imp.counts["成员"]["updated"] == 0 and imp.counts["成员"]["moved"] == 1
    (move,) = imp.preview["moves"]
    assert (move["from_code"], move["from_head"]) == ("H0001", "户主1")
    assert (move["to_code"], move["to_head"]) == ("H0006", "户主6")
    assert (move["old_name"], move["name"], move["sheet"], move["row"]) == (
        "成员1-1", "成员一", "成员", 2,
    )  # fmt: skip
    assert not move["was_head"]
    assert Resident.objects.get(name="成员1-1").household.code == "H0001"  # nothing written

    # when it is imported, the member's history records the move
    done = _commit(township, rows)
    assert done.status == RosterImport.Status.DONE
    resident = Resident.objects.get(name="成员一")
    assert resident.household.code == "H0006"
    change = done.change_rows.get(action=RosterImportChange.Action.MOVED)
    assert change.fields["household"] == ["H0001", "H0006"]
    assert change.fields["name"] == ["成员1-1", "成员一"]
    audit = AuditEntry.objects.get(object_type="households.resident", object_id=str(resident.pk))
    assert "从户 H0001 → 户 H0006" in audit.summary
    assert audit.changes == {"household": ["H0001", "H0006"], "name": ["成员1-1", "成员一"]}


def test_the_detail_page_shows_moves_and_renames(admin_client, township, imported):
    rows = {
        "households": [household_row(6)],
        "members": [
            {**_child_of(1), "户编号": "H0006", "与户主关系": "子女"},
            {**_child_of(2), "姓名": "新名字"},
        ],
    }
    response = admin_client.post(
        reverse("households:import"),
        {"file": SimpleUploadedFile("r.xlsx", make_workbook(**rows))},
        follow=True,
    )
    page = response.content.decode()
    assert 'data-testid="moves"' in page and "H0001 户主1户 → H0006 户主6户" in page
    assert 'data-testid="renames"' in page and "改名：成员2-1 → 新名字" in page


def test_a_new_household_taking_another_households_head_is_refused(township, imported):
    # given H0001 (head 户主1 and a child); a new household H0006 lists 户主1's ID number as
    # its head's, under another name: the case of the issue
    head_id = imported["households"][0]["户主身份证号"]
    rows = {"households": [household_row(6, 户主姓名="张三", 户主身份证号=head_id)]}

    # when it is previewed or imported
    preview = _preview(township, rows)
    imp = _commit(township, rows)

    # then both refuse it on the 户 sheet's row, naming the household left without a head
    for refused in (preview, imp):
        assert refused.status == RosterImport.Status.INVALID
        assert _errors(refused) == [("户", 2, "户主身份证号")]
        message = refused.errors[0]["message"]
        assert "户 H0001 的户主 户主1 迁到户 H0006" in message and "没有户主" in message
    head = Resident.objects.get(household__code="H0001", is_head=True)
    assert head.name == "户主1"
    assert not Household.objects.filter(code="H0006").exists()


def test_the_only_member_may_move_and_leave_an_empty_household(township):
    # given a household whose only member is its head, as the edit pages let the head leave last
    HouseholdFactory(township=township, village=township.villages.first(), code="H0009")
    lone = valid_id_number(9, "19500101")
    ResidentFactory(household=Household.objects.get(code="H0009"), name="孤老", id_number=lone)

    # when a new household lists that person as its head
    imp = _commit(township, {"households": [household_row(6, 户主姓名="孤老", 户主身份证号=lone)]})

    # then the move is imported (and shown as one): no one is left in H0009 without a head
    assert imp.status == RosterImport.Status.DONE, imp.errors
    assert imp.preview["moves"][0]["was_head"]
    assert Resident.objects.get(name="孤老").household.code == "H0006"


# --- Item 13: one head per household ---------------------------------------------------------


def test_a_second_head_beside_one_already_in_the_database_is_refused(township, imported):
    # given H0001's head registered by the first import; a file adds a new 户主 to H0001
    rows = {"members": [member_row(1, 2, 姓名="钱新", 与户主关系="户主")]}

    imp = _commit(township, rows)

    assert imp.status == RosterImport.Status.INVALID
    assert _errors(imp) == [("成员", 2, "与户主关系")]
    assert "户 H0001 将有 2 位户主（钱新、户主1）" in imp.errors[0]["message"]
    assert not Resident.objects.filter(name="钱新").exists()


def test_a_household_with_members_and_no_head_is_refused(township, imported):
    rows = {
        "households": [household_row(7, 户主身份证号=None)],
        "members": [member_row(7)],
    }

    imp = _commit(township, rows)

    assert imp.status == RosterImport.Status.INVALID
    assert _errors(imp) == [("户", 2, "户主身份证号")]
    assert "户 H0007 有在户成员却没有户主" in imp.errors[0]["message"]
    assert not Household.objects.filter(code="H0007").exists()


def test_a_head_made_non_head_without_a_successor_is_refused(township, imported):
    head = imported["households"][1]  # H0002
    rows = {
        "members": [
            member_row(
                2, 5, 姓名=head["户主姓名"], 身份证号=head["户主身份证号"], 与户主关系="配偶"
            )
        ]
    }

    imp = _commit(township, rows)

    assert _errors(imp) == [("成员", 2, "与户主关系")]
    assert "本行把 户主2 改为非户主，户 H0002 将没有户主" in imp.errors[0]["message"]
    assert Resident.objects.get(name="户主2").is_head


def test_households_the_file_does_not_touch_are_not_its_business(township, imported):
    # given a household already without a head (older data), not in the file
    legacy = HouseholdFactory(township=township, village=township.villages.first(), code="OLD1")
    ResidentFactory(household=legacy, relation="child", is_head=False)

    imp = _commit(township, imported)

    assert imp.status == RosterImport.Status.DONE, imp.errors
