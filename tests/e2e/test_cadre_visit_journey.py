"""Phone-sized journey (390×844) of issue 15, item 8: the cadre goes from the home page's household
name to the household page, records a visit from its "记录走访" button (the household already
picked), edits the entry (the date field keeps the date) and saves; a 1999 date is a field
error, on the new-visit form and on the edit form alike."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from liaison.roles import Role
from tests.e2e.conftest import PHONE, login, navigate, screenshot
from tests.factories import (
    CadreFactory,
    HouseholdFactory,
    PairingFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
    WorkGroupFactory,
)
from visits.models import Visit

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def world(transactional_db):
    township = TownshipFactory(code="qx", name="青溪镇")
    village = VillageFactory(township=township, name="东村")
    group = WorkGroupFactory(township=township, village=village, name="东村工作组")
    cadre = CadreFactory(
        user=UserFactory(username="wang", roles=[Role.CADRE]),
        township=township, workgroup=group, name="王干部",
    )  # fmt: skip
    households = []
    for n in range(1, 4):
        household = HouseholdFactory(
            township=township, village=village, code=f"E{n:03d}", head_name=f"赵{n}",
            address=f"东村幸福路{n}号",
        )  # fmt: skip
        PairingFactory(cadre=cadre, household=household, start_date=dt.date(2024, 1, 1))
        households.append(household)
    return {"cadre": cadre, "households": households}


def test_cadre_home_to_household_to_visit_to_edit(world, new_page):
    page = new_page(viewport=PHONE)
    login(page, "wang", "Passw0rd!x")
    today = timezone.localdate().isoformat()

    # home: the household's name is a link to its page
    expect(page.locator("[data-testid=household-E002]")).to_have_text("赵2")
    screenshot(page, "cadre-visit-01-home")
    navigate(page, "[data-testid=household-E002]")
    expect(page.locator("h1")).to_contain_text("赵2")
    screenshot(page, "cadre-visit-02-household")

    # the household page's button opens the visit form with this household picked
    navigate(page, "[data-testid=household-log-visit]")
    expect(page.locator("[data-testid=picked-household]")).to_contain_text("赵2 · E002")
    expect(page.locator("#id_visited_on")).to_have_value(today)
    page.fill("#id_met_with", "户主本人")
    page.fill("#id_notes", "老人身体尚好，希望村里修一下门前的路灯。")
    page.click("label[for=tag-environment]")
    screenshot(page, "cadre-visit-03-form")
    navigate(page, "[data-testid=save-visit]")
    expect(page.locator(".alert-success")).to_contain_text("走访已记录")
    expect(page.locator("[data-testid=visit-title]")).to_contain_text("赵2 · E002")
    visit = Visit.objects.get()
    assert visit.household == world["households"][1] and visit.visited_on.isoformat() == today

    # edit: the date field carries the date, and a save without touching it succeeds
    navigate(page, "[data-testid=edit-visit]")
    expect(page.locator("#id_visited_on")).to_have_value(today)
    screenshot(page, "cadre-visit-04-edit")
    page.fill("#id_notes", "老人身体尚好，希望村里修一下门前的路灯。已转告村委会。")
    navigate(page, "button.btn-lx")
    expect(page.locator(".alert-success")).to_contain_text("走访记录已修改")
    expect(page.locator("[data-testid=visit-notes]")).to_contain_text("已转告村委会")
    screenshot(page, "cadre-visit-05-edited")
    visit.refresh_from_db()
    assert visit.visited_on.isoformat() == today and "已转告村委会" in visit.notes

    # a 1999 date on the edit form: a field error, the entry unchanged
    navigate(page, "[data-testid=edit-visit]")
    page.fill("#id_visited_on", "1999-05-01")
    navigate(page, "button.btn-lx")
    expect(page.locator("text=只能补记 30 天内的走访")).to_be_visible()
    screenshot(page, "cadre-visit-06-edit-1999")
    visit.refresh_from_db()
    assert visit.visited_on.isoformat() == today

    # and on a new visit: a field error under the date, nothing saved, what was typed kept
    page.goto(f"/liaison/visits/new/?household={world['households'][0].pk}")
    page.fill("#id_visited_on", "1999-05-01")
    page.fill("#id_notes", "补记一次走访")
    navigate(page, "[data-testid=save-visit]")
    error = page.locator("#id_visited_on ~ .invalid-feedback")
    expect(error).to_contain_text("只能补记 30 天内的走访")
    expect(page.locator("#id_notes")).to_have_value("补记一次走访")
    screenshot(page, "cadre-visit-07-new-1999")
    assert Visit.objects.count() == 1

    # the cadre's household list: only the filters a cadre can use
    page.goto("/households/")
    expect(page.locator("[data-testid=household-count]")).to_contain_text("3")
    filters = page.locator("[data-testid=household-filters]")
    expect(filters.locator("#id_q")).to_be_visible()
    assert filters.locator("[name=village], [name=workgroup], [name=cadre]").count() == 0
    assert filters.locator("[data-testid=cadre-filter]").count() == 0
    screenshot(page, "cadre-visit-08-cadre-household-list")


def test_leader_filters_the_household_list_by_a_cadre_typed_in(world, new_page):
    """The other side of the item: those who see every cadre pick one by typing (htmx), not
    from a list of all of them; the pick lands on the list filtered, the other filters kept."""
    township = world["cadre"].township
    CadreFactory(
        user=UserFactory(username="lingdao", roles=[Role.LEADER]),
        township=township, workgroup=None, name="乡领导",
    )  # fmt: skip
    for n in range(30):
        CadreFactory(township=township, workgroup=world["cadre"].workgroup, name=f"李{n:02d}")
    page = new_page(viewport={"width": 1366, "height": 768})
    login(page, "lingdao", "Passw0rd!x")

    page.goto("/households/?q=赵")
    expect(page.locator("[data-testid=household-count]")).to_contain_text("3")
    assert page.locator("select[name=cadre]").count() == 0
    page.fill("[data-testid=cadre-search]", "王")
    option = page.locator(f"[data-testid=cadre-option-{world['cadre'].pk}]")
    expect(option).to_contain_text("王干部")
    screenshot(page, "cadre-visit-09-leader-cadre-search", full_page=False)
    navigate(page, option)
    expect(page.locator("[data-testid=cadre-selected]")).to_contain_text("王干部")
    expect(page.locator("#id_q")).to_have_value("赵")
    expect(page.locator("[data-testid=household-count]")).to_contain_text("3")
    screenshot(page, "cadre-visit-10-leader-filtered", full_page=False)

    page.fill("#id_q", "赵1")
    navigate(page, "[data-testid=household-filters] button[type=submit]")
    expect(page.locator("[data-testid=household-count]")).to_contain_text("1")
    assert f"cadre={world['cadre'].pk}" in page.url  # the picked cadre stays with the form
    navigate(page, "[data-testid=cadre-clear]")
    expect(page.locator("[data-testid=cadre-search]")).to_be_visible()
