"""Browser journey (issue 15, items 12 and 13): an admin re-imports a small roster.

A file with 3 of 25 households would end 22 pairings: the preview lists them, cadre by cadre and
household by household; the tick alone is refused, the typed number applies it. A second file
moves a member from one household to another: the preview shows the move, from -> to. A third
makes a household headless: it is refused with the row, the sheet and the household named."""

import pytest
from playwright.sync_api import expect

from households.models import Resident, RosterImport
from households.roster.service import roster_commit, roster_upload_create
from liaison.models import Pairing
from liaison.roles import Role
from tests.e2e.conftest import login, navigate, screenshot
from tests.factories import (
    CadreFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
    WorkGroupFactory,
)
from tests.households.conftest import household_row, member_row
from tests.households.workbooks import make_workbook

pytestmark = [pytest.mark.e2e]

DESKTOP = {"width": 1366, "height": 768}
CADRES = [
    {"手机号": "13900000001", "姓名": "王干部", "工作组": "东村工作组", "职务": "组员"},
    {"手机号": "13900000002", "姓名": "李干部", "工作组": "西村工作组", "职务": "组长"},
]


def _rows(numbers, members=None):
    return {
        "households": [household_row(n) for n in numbers],
        "members": members if members is not None else [member_row(n) for n in numbers],
        "cadres": CADRES,
        "pairings": [{"手机号": CADRES[n % 2]["手机号"], "户编号": f"H{n:04d}"} for n in numbers],
    }


@pytest.fixture
def setup(transactional_db, tmp_path):
    township = TownshipFactory(code="qx", name="青溪镇", service_phone="010-88886666")
    east = VillageFactory(township=township, name="东村")
    west = VillageFactory(township=township, name="西村")
    WorkGroupFactory(township=township, village=east, name="东村工作组")
    WorkGroupFactory(township=township, village=west, name="西村工作组")
    admin = UserFactory(username="clerk", roles=[Role.ADMIN])
    CadreFactory(user=admin, township=township, workgroup=None, name="刘文书")
    # 25 households, each with its head, a child and a cadre: 25 current pairings
    done = roster_commit(
        roster_import=roster_upload_create(
            data=make_workbook(**_rows(range(1, 26))),
            file_name="全镇花名册.xlsx",
            township=township,
            actor=admin,
        )
    )
    assert done.status == RosterImport.Status.DONE and Pairing.objects.current().count() == 25
    files = {}
    # 1: three households only; the other 22 pairings are left out
    files["small"] = make_workbook(**_rows(range(1, 4)))
    # 2: the same three, and H0002's child now registered in H0001
    moved = [member_row(1), {**member_row(2), "户编号": "H0001"}, member_row(3)]
    files["move"] = make_workbook(**_rows(range(1, 4), members=moved))
    # 3: H0003's head listed as a spouse, no one else as head
    head = household_row(3)
    demoted = [
        member_row(3, 5, 姓名=head["户主姓名"], 身份证号=head["户主身份证号"], 与户主关系="配偶")
    ]
    files["headless"] = make_workbook(
        **{**_rows([]), "members": demoted, "pairings": _rows(range(1, 4))["pairings"]}
    )
    paths = {}
    for name, data in files.items():
        paths[name] = tmp_path / f"花名册-{name}.xlsx"
        paths[name].write_bytes(data)
    return paths


def _upload(page, path):
    navigate(page, "[data-nav='households:import']")
    page.set_input_files("#id_file", str(path))
    navigate(page, "[data-testid=upload-form] button[type=submit]")


def test_roster_import_guards(setup, new_page):
    page = new_page(viewport=DESKTOP)
    login(page, "clerk", "Passw0rd!x")

    # A file with 3 households: the preview lists the 22 pairings that would end.
    _upload(page, setup["small"])
    expect(page.locator("[data-testid=status]")).to_have_text("待确认")
    ending = page.locator("[data-testid=ending-pairings]")
    expect(ending).to_contain_text("文件中没有的 22 个现有结对")
    expect(page.locator("[data-testid=ending-list] tbody tr")).to_have_count(22)
    by_cadre = page.locator("[data-testid=ending-by-cadre]").inner_text()
    assert "王干部" in by_cadre and "李干部" in by_cadre and "11" in by_cadre
    assert "H0025" in page.locator("[data-testid=ending-list]").inner_text()
    screenshot(page, "roster-guards-ending-preview")

    # Ticked, not typed: refused, nothing queued, the preview stays.
    page.check("[data-testid=end-missing-pairings]")
    navigate(page, "[data-testid=confirm]")
    expect(page.locator("[data-testid=confirm-error]")).to_contain_text("输入将结束的结对数 22")
    expect(page.locator("[data-testid=status]")).to_have_text("待确认")
    assert Pairing.objects.current().count() == 25
    page.locator("[data-testid=confirm-error]").scroll_into_view_if_needed()
    screenshot(page, "roster-guards-refused", full_page=False)

    # Ticked and typed: the import runs and ends exactly those 22 (kept as history).
    page.check("[data-testid=end-missing-pairings]")
    page.fill("[data-testid=confirm-end]", "22")
    navigate(page, "[data-testid=confirm]")
    expect(page.locator("[data-testid=done]")).to_be_visible()
    expect(page.locator("[data-testid=ending-pairings]")).to_contain_text("已结束")
    assert Pairing.objects.current().count() == 3 and Pairing.objects.count() == 25
    screenshot(page, "roster-guards-ended")

    # A member moving between households is shown as a move, from -> to.
    _upload(page, setup["move"])
    moves = page.locator("[data-testid=moves]")
    expect(moves).to_contain_text("从 H0002 户主2户 → H0001 户主1户")
    expect(page.locator("[data-testid=counts] tr[data-sheet='成员']")).to_contain_text("1")
    screenshot(page, "roster-guards-move-preview")
    navigate(page, "[data-testid=confirm]")
    expect(page.locator("[data-testid=done]")).to_be_visible()
    assert Resident.objects.get(name="成员2-1").household.code == "H0001"

    # A file leaving a household without a head is refused with the row and the household.
    _upload(page, setup["headless"])
    expect(page.locator("[data-testid=invalid]")).to_be_visible()
    errors = page.locator("[data-testid=errors] tbody tr")
    expect(errors).to_have_count(1)
    expect(errors.first).to_contain_text("成员")
    expect(errors.first).to_contain_text("户 H0003 将没有户主")
    assert errors.first.locator("td").nth(1).inner_text() == "2"
    expect(page.locator("[data-testid=confirm]")).to_have_count(0)
    screenshot(page, "roster-guards-headless")
    assert Resident.objects.get(name="户主3").is_head
