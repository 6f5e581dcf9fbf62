"""The organisation in a real browser (issue 15, items 13 and 14).

- The township admin (1366x768) takes a cadre off duty from the organisation page, sees how many
  households are affected and hands them to a successor of the same work group.
- Another cadre leaves with no successor: the group leader (390x844) finds "未结对户 N" on the
  home's worklist, follows "重新结对" to the pairing page and pairs them again.
- The admin moves October's contact day onto 2026-10-07 (国庆节): the page warns and proposes the
  next working Wednesday, and "改用 2026-10-14" saves it.
"""

import datetime as dt

import pytest
from playwright.sync_api import expect

from issues.limits import CalendarDay
from liaison.models import Cadre, Pairing
from liaison.roles import Role
from tests.e2e.conftest import PHONE, login, navigate, screenshot
from tests.factories import (
    HouseholdFactory,
    PairingFactory,
    VillageFactory,
    WorkGroupFactory,
)
from visits.models import ContactDay

pytestmark = [pytest.mark.e2e]
PASSWORD = "Passw0rd!x"
OFFICE = {"width": 1366, "height": 768}


@pytest.fixture
def township_world(transactional_db, make_user):
    village = VillageFactory(name="幸福村")
    township = village.township
    workgroup = WorkGroupFactory(village=village, township=township, name="幸福村工作组")
    admin = make_user(Role.ADMIN, township=township, workgroup=None, name="刘文书")
    leader = make_user(Role.GROUP_LEADER, township=township, workgroup=workgroup, name="组长老王")
    workgroup.leader = leader.cadre
    workgroup.save(update_fields=["leader"])
    cadres = {
        name: make_user(Role.CADRE, township=township, workgroup=workgroup, name=name).cadre
        for name in ("张卫国", "李秀英", "王建华")
    }
    heads = {"张卫国": ["赵大爷", "钱大妈", "孙奶奶"], "李秀英": ["周大叔", "吴阿姨"], "王建华": []}
    for name, people in heads.items():
        for head in people:
            household = HouseholdFactory(village=village, township=township, head_name=head)
            PairingFactory(cadre=cadres[name], household=household)
    # the national calendar of 2026 (a data migration seeds it, but a live-server test's flush
    # empties it for the tests after: each test states the holidays it relies on)
    for day in range(1, 8):
        CalendarDay.objects.update_or_create(
            date=dt.date(2026, 10, day),
            defaults={"kind": CalendarDay.Kind.HOLIDAY, "name": "国庆节"},
        )
    return {"admin": admin, "leader": leader, "cadres": cadres, "township": township}


def test_admin_hands_a_leaving_cadres_households_to_a_successor(new_page, township_world):
    w = township_world
    leaving, successor = w["cadres"]["张卫国"], w["cadres"]["王建华"]
    page = new_page(viewport=OFFICE)
    login(page, w["admin"].username, PASSWORD)

    page.goto("/liaison/organisation/")
    navigate(page, page.get_by_test_id(f"deactivate-{leaving.pk}"))
    expect(page.get_by_test_id("affected-count")).to_have_text("3")
    page.select_option("#id_successor", str(successor.pk))
    screenshot(page, "org-1-deactivate-with-successor-1366")

    navigate(page, page.get_by_test_id("deactivate"))
    expect(page.locator(".alert-success")).to_contain_text("3 户结对户已交接给 王建华")
    expect(page.locator(f"[data-cadre='{leaving.pk}']")).to_have_count(0)
    expect(page.locator(f"[data-cadre='{successor.pk}']")).to_contain_text("3")
    screenshot(page, "org-2-organisation-after-handover-1366")

    assert not Cadre.objects.get(pk=leaving.pk).is_active
    assert Pairing.objects.current().filter(cadre=successor).count() == 3


def test_with_no_successor_the_group_leader_re_pairs_from_the_worklist(new_page, township_world):
    w = township_world
    leaving, other = w["cadres"]["李秀英"], w["cadres"]["王建华"]
    office = new_page(viewport=OFFICE)
    login(office, w["admin"].username, PASSWORD)
    office.goto(f"/liaison/organisation/cadres/{leaving.pk}/deactivate/")
    expect(office.get_by_test_id("affected-count")).to_have_text("2")
    navigate(office, office.get_by_test_id("deactivate"))
    expect(office.locator(".alert-success")).to_contain_text("2 户结对户列为未结对户")

    phone = new_page(viewport=PHONE)
    login(phone, w["leader"].username, PASSWORD)
    phone.goto("/")
    section = phone.locator("[data-section=unpaired]")
    expect(section).to_contain_text("未结对户")
    expect(section.locator("[data-count=unpaired]")).to_have_text("2")
    expect(section).to_contain_text("周大叔")
    expect(section).to_contain_text("吴阿姨")
    section.scroll_into_view_if_needed()
    screenshot(phone, "org-3-group-leader-unpaired-worklist-390", full_page=False)

    navigate(phone, section.get_by_test_id("repair-all"))
    expect(phone.locator("tbody tr")).to_have_count(2)
    phone.locator("[data-lx-select-all]").check()
    phone.select_option("#id_cadre", str(other.pk))
    screenshot(phone, "org-4-repair-on-the-pairing-page-390")
    navigate(phone, phone.get_by_test_id("assign"))
    expect(phone.locator(".alert-success")).to_contain_text("已分配 2 户")

    phone.goto("/")
    expect(phone.get_by_test_id("worklist")).to_be_visible()
    expect(phone.locator("[data-section=unpaired]")).to_have_count(0)
    assert Pairing.objects.current().filter(cadre=other).count() == 2


def test_a_contact_day_on_a_holiday_is_warned_and_the_next_wednesday_proposed(
    new_page, township_world
):
    w = township_world
    page = new_page(viewport=OFFICE)
    login(page, w["admin"].username, PASSWORD)
    page.goto("/liaison/contact-days/")
    form = page.get_by_test_id("override-form")
    form.locator("#id_year").fill("2026")
    form.locator("#id_month").fill("10")
    form.locator("#id_date").fill("2026-10-07")
    form.locator("#id_reason").fill("国庆假期前后")
    navigate(page, page.get_by_test_id("save-override"))

    warning = page.get_by_test_id("holiday-warning")
    expect(warning).to_contain_text("2026-10-07 是国庆节")
    expect(warning).to_contain_text("2026-10-14")
    expect(page.get_by_test_id("use-proposed")).to_have_text("改用 2026-10-14")
    warning.scroll_into_view_if_needed()
    screenshot(page, "org-5-contact-day-holiday-warning-1366")
    assert not ContactDay.objects.exists()

    navigate(page, page.get_by_test_id("use-proposed"))
    expect(page.locator(".alert-success")).to_contain_text(
        "已将 2026 年 10 月的联系群众日调整为 2026-10-14"
    )
    screenshot(page, "org-6-contact-day-moved-1366")
    moved = ContactDay.objects.get()
    assert (moved.date.isoformat(), moved.reason) == ("2026-10-14", "国庆假期前后")


def test_the_admin_pages_take_the_same_rule(new_page, township_world):
    """The Django admin door: unticking 在岗 on the cadre page hands over to the chosen successor;
    a contact day on a holiday is refused there too, with the proposal."""
    w = township_world
    w["admin"].is_staff = True
    w["admin"].save(update_fields=["is_staff"])
    leaving, successor = w["cadres"]["李秀英"], w["cadres"]["王建华"]
    page = new_page(viewport=OFFICE)
    login(page, w["admin"].username, PASSWORD)

    page.goto(f"/admin/liaison/cadre/{leaving.pk}/change/")
    expect(page.locator(".field-successor")).to_contain_text("该干部现有 2 户结对户")
    page.uncheck("#id_is_active")
    page.select_option("#id_successor", str(successor.pk))
    screenshot(page, "org-7-cadre-admin-handover-1366")
    navigate(page, "input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("2 户结对户已交接给 王建华")
    assert Pairing.objects.current().filter(cadre=successor).count() == 2

    page.goto("/admin/visits/contactday/add/")
    page.select_option("#id_township", str(w["township"].pk))
    page.fill("#id_year", "2026")
    page.fill("#id_month", "10")
    page.fill("#id_date", "2026-10-07")
    navigate(page, "input[name=_save]")
    expect(page.locator(".field-date .errorlist")).to_contain_text("建议改为 2026-10-14")
    screenshot(page, "org-8-contact-day-admin-holiday-1366")
    page.check("#id_confirm_holiday")
    navigate(page, "input[name=_save]")
    expect(page.locator(".messagelist")).to_be_visible()
    assert ContactDay.objects.get().date.isoformat() == "2026-10-07"
