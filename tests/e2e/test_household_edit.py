"""Browser journey: a township clerk keeps a household up to date on its own page — tags and
address, a new member (a wrong ID number first), a member who moved away, a help record and a
duplicate of it voided with a reason — and finds all of it on the detail page, numbers masked."""

import pytest
from playwright.sync_api import expect

from core.models import AuditEntry
from households.models import Resident, Tag
from liaison.roles import Role
from tests.e2e.conftest import PHONE, login, navigate, screenshot
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

pytestmark = [pytest.mark.e2e]

NEW_ID = valid_id_number(21, "19950505")
WRONG_ID = NEW_ID[:-1] + ("0" if NEW_ID[-1] != "0" else "1")


@pytest.fixture
def world(transactional_db):
    township = TownshipFactory(code="qx", name="青溪镇", service_phone="010-88886666")
    village = VillageFactory(township=township, name="东村")
    group = WorkGroupFactory(township=township, village=village, name="东村工作组")
    clerk = UserFactory(username="clerk", roles=[Role.ADMIN])
    CadreFactory(user=clerk, township=township, workgroup=None, name="李文书", phone="13900000009")
    cadre = CadreFactory(township=township, workgroup=group, name="王干部", phone="13900000001")
    household = HouseholdFactory(
        township=township, village=village, code="E001", head_name="赵大",
        address="东村幸福路1号", phone="13811110001",
    )  # fmt: skip
    household.set_tags([Tag.HARDSHIP])
    household.save()
    ResidentFactory(household=household, name="赵大", id_number=valid_id_number(1, "19600101"))
    ResidentFactory(
        household=household, name="赵二", relation=Resident.Relation.CHILD, is_head=False,
        id_number=valid_id_number(2, "19880808"),
    )  # fmt: skip
    PairingFactory(cadre=cadre, household=household)
    return {"household": household, "cadre": cadre}


def test_clerk_edits_household_members_and_help_on_its_page(world, new_page):
    household = world["household"]
    page = new_page()
    login(page, "clerk", "Passw0rd!x")

    # the clerk opens the household from the list
    page.goto("/households/")
    navigate(page, '[data-testid=household-table] a:text-is("赵大")')
    navigate(page, "[data-testid=household-edit]")

    # edits its tags and address
    page.click('[data-field=tags] label:text-is("老党员老干部")')
    assert page.locator("input[name=tags][value=veteran]").is_checked()
    page.fill("#id_address", "东村和平路8号")
    screenshot(page, "household-edit-form")
    navigate(page, "[data-testid=household-form] button[type=submit]")
    facts = page.locator("[data-testid=household-facts]")
    assert "东村和平路8号" in facts.inner_text()
    assert "老党员老干部" in facts.inner_text() and "生活困难" in facts.inner_text()

    # adds a member with a wrong ID number, sees the error, fixes it
    navigate(page, "[data-testid=member-add]")
    page.fill("#id_name", "赵小妹")
    page.fill("#id_id_number", WRONG_ID)
    page.select_option("#id_relation", "grandchild")
    page.fill("#id_phone", "+86 139-1234-5678")
    navigate(page, "[data-testid=member-form] button[type=submit]")
    error = page.locator("[data-testid=error-id_number]")
    assert "校验位错误" in error.inner_text()
    expect(page.locator("#id_id_number.is-invalid")).to_have_count(1)
    screenshot(page, "household-member-id-error")
    page.fill("#id_id_number", NEW_ID)
    navigate(page, "[data-testid=member-form] button[type=submit]")
    current = page.locator("[data-testid=current-members]")
    assert "赵小妹" in current.inner_text()
    assert NEW_ID not in page.content() and "13912345678" not in page.content()
    assert "139****5678" in current.inner_text()

    # marks another member as moved away
    navigate(page, '[data-member="赵二"] [data-testid=member-status]')
    page.click('[data-field=status] label:text-is("迁出")')
    page.fill("#id_on_date", "2026-03-01")
    navigate(page, "[data-testid=member-status-form] button[type=submit]")
    former = page.locator("[data-testid=former-members]")
    assert "赵二" in former.inner_text() and "2026-03-01" in former.inner_text()
    assert "赵二" not in current.inner_text()

    # adds a help record
    navigate(page, "[data-testid=help-add]")
    page.select_option("#id_cadre", label="王干部")
    page.fill("#id_content", "春节慰问米面油")
    page.fill("#id_helped_on", "2026-01-20")
    page.fill("#id_amount", "300")
    screenshot(page, "household-help-form")
    navigate(page, "[data-testid=help-form] button[type=submit]")

    page.wait_for_url(f"**/households/{household.pk}/#help")

    # enters the same help a second time by mistake and voids the duplicate: no reason first
    navigate(page, "[data-testid=help-add]")
    page.select_option("#id_cadre", label="王干部")
    page.fill("#id_content", "米面油又录了一次")
    page.fill("#id_helped_on", "2026-01-20")
    page.fill("#id_amount", "300")
    navigate(page, "[data-testid=help-form] button[type=submit]")
    duplicate = page.locator('[data-testid=help-records] li:has-text("又录了一次")')
    duplicate.locator("[data-testid=help-void]").click()
    void_form = duplicate.locator("[data-testid=help-void-form]")
    void_form.wait_for(state="visible")
    navigate(page, void_form.locator("button[type=submit]"))
    assert "请填写作废原因" in page.locator("[data-testid=error-reason]").inner_text()
    page.click("text=取消")
    duplicate.locator("[data-testid=help-void]").click()
    duplicate.locator("[data-testid=help-void-form].show").wait_for()  # opened, not sliding
    void_form.locator("input[name=reason]").fill("重复录入")
    screenshot(page, "household-help-void-form")
    navigate(page, void_form.locator("button[type=submit]"))
    voided = page.locator("[data-testid=help-records] li[data-voided]")
    assert "已作废：重复录入（李文书，" in voided.inner_text()
    expect(voided.locator(".text-decoration-line-through")).to_have_count(1)
    expect(voided.locator("[data-testid=help-edit], [data-testid=help-void]")).to_have_count(0)
    assert page.locator("[data-testid=help-given]").inner_text() == "共 1 条 · 合计 300.00 元"

    # and finds all of it on the detail page
    help_records = page.locator("[data-testid=help-records]").inner_text()
    assert "王干部" in help_records and "春节慰问米面油" in help_records and "300" in help_records
    assert "东村和平路8号" in page.locator("[data-testid=household-facts]").inner_text()
    assert "赵小妹" in page.locator("[data-testid=current-members]").inner_text()
    assert "赵二" in page.locator("[data-testid=former-members]").inner_text()
    screenshot(page, "household-after-edits")

    assert Resident.objects.filter(household=household).count() == 3  # nobody deleted
    audited = set(
        AuditEntry.objects.filter(actor__username="clerk").values_list("object_type", "action")
    )
    assert {
        ("households.household", "update"),
        ("households.resident", "create"),
        ("households.resident", "soft_delete"),
        ("households.helprecord", "create"),
        ("households.helprecord", "soft_delete"),
    } <= audited
    assert not AuditEntry.objects.filter(summary__contains=NEW_ID).exists()

    # on a phone the same page keeps its buttons within reach
    phone = new_page(viewport=PHONE)
    login(phone, "clerk", "Passw0rd!x")
    phone.goto(f"/households/{household.pk}/members/add/")
    navigate(phone, "[data-testid=member-form] button[type=submit]")
    expect(phone.locator("[data-testid=error-name]")).to_have_count(1)
    screenshot(phone, "household-member-form-phone")
    phone.goto(f"/households/{household.pk}/")
    screenshot(phone, "household-detail-editor-phone")
    navigate(phone, '[data-testid=current-members] a:text-is("赵小妹")')  # the name opens the form
    assert phone.locator("[data-testid=member-status-link]").is_visible()
    assert "139****5678" in phone.locator("[data-field=phone]").inner_text()
    screenshot(phone, "household-member-edit-phone")


def test_leader_sees_no_edit_buttons_and_gets_403(world, new_page):
    leader = UserFactory(username="leader", roles=[Role.LEADER])
    CadreFactory(user=leader, township=world["household"].township, workgroup=None)
    page = new_page()
    login(page, "leader", "Passw0rd!x")

    page.goto(f"/households/{world['household'].pk}/")
    expect(page.locator("[data-testid=household-edit], [data-testid=member-add]")).to_have_count(0)
    response = page.goto(f"/households/{world['household'].pk}/edit/")
    assert response.status == 403
