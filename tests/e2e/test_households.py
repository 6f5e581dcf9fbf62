"""Browser journeys on household pages: a cadre finds a paired household, reveals numbers
(audited) and prints contact cards; another household's URL is a 404."""

import pytest
from playwright.sync_api import expect

from core.models import AuditEntry
from households.models import Tag
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


@pytest.fixture
def world(transactional_db):
    township = TownshipFactory(code="qx", name="青溪镇", service_phone="010-88886666")
    village = VillageFactory(township=township, name="东村")
    group = WorkGroupFactory(township=township, village=village, name="东村工作组")
    user = UserFactory(username="wang", roles=[Role.CADRE])
    cadre = CadreFactory(
        user=user, township=township, workgroup=group, name="王干部", phone="13900000001"
    )
    households = []
    for n in range(1, 6):
        household = HouseholdFactory(
            township=township, village=village, code=f"E{n:03d}", head_name=f"赵{n}",
            address=f"东村幸福路{n}号", phone=f"1381111000{n}",
        )  # fmt: skip
        household.set_tags([Tag.HARDSHIP] if n % 2 else [Tag.VETERAN])
        household.save()
        ResidentFactory(household=household, name=f"赵{n}", id_number=valid_id_number(n))
        PairingFactory(cadre=cadre, household=household)
        households.append(household)
    stranger = HouseholdFactory(township=township, village=village, code="X001")
    return {"households": households, "stranger": stranger, "group": group}


def test_cadre_finds_household_reveals_and_prints_cards(world, new_page):
    page = new_page(viewport=PHONE)
    login(page, "wang", "Passw0rd!x")
    page.goto("/households/")
    expect(page.locator("[data-testid=household-table] tbody tr")).to_have_count(5)
    page.fill("#id_q", "0003")  # the last 4 digits of a phone
    navigate(page, "[data-testid=household-filters] button[type=submit]")
    expect(page.locator("[data-testid=household-table] tbody tr")).to_have_count(1)
    navigate(page, '[data-testid=household-table] a:text-is("赵3")')
    members = page.locator("[data-testid=members]")
    full = valid_id_number(3)
    assert full not in members.inner_text()
    screenshot(page, "household-detail-masked-phone")

    page.click("[data-testid=reveal]")
    page.locator("[data-testid=id-full]").wait_for()
    assert full in page.locator("[data-testid=members]").inner_text()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.REVEAL).count() == 1
    screenshot(page, "household-detail-revealed-phone")

    response = page.goto(f"/households/{world['stranger'].pk}/")
    assert response.status == 404

    desktop = new_page()
    login(desktop, "wang", "Passw0rd!x")
    desktop.goto(f"/households/cards/workgroup/{world['group'].pk}/")
    expect(desktop.locator("[data-testid=card]")).to_have_count(5)
    expect(desktop.locator("[data-testid=card] svg")).to_have_count(5)
    assert "010-88886666" in desktop.locator("[data-testid=card]").first.inner_text()
    screenshot(desktop, "contact-cards")
    desktop.emulate_media(media="print")
    screenshot(desktop, "contact-cards-print")
    pdf_page = new_page()
    login(pdf_page, "wang", "Passw0rd!x")
    pdf_page.goto(f"/households/cards/workgroup/{world['group'].pk}/")
    pdf = pdf_page.pdf(format="A4")
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page\r") + pdf.count(b"/Type/Page") >= 1
