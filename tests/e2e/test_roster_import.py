"""Browser journey: an admin uploads a roster, sees the preview with an error row, uploads the
fixed workbook, confirms, watches the progress bar and finds the households."""

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from households.models import Household, RosterImport
from households.roster import service
from liaison.roles import Role
from tests.e2e.conftest import DB_LOCK, PHONE, login, navigate, screenshot
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


@pytest.fixture
def setup(transactional_db, tmp_path):
    township = TownshipFactory(code="qx", name="青溪镇", service_phone="010-88886666")
    east = VillageFactory(township=township, name="东村")
    west = VillageFactory(township=township, name="西村")
    WorkGroupFactory(township=township, village=east, name="东村工作组")
    WorkGroupFactory(township=township, village=west, name="西村工作组")
    admin = UserFactory(username="clerk", roles=[Role.ADMIN])
    CadreFactory(user=admin, township=township, workgroup=None, name="刘文书")
    rows = {
        "households": [household_row(n) for n in range(1, 13)],
        "members": [member_row(n) for n in range(1, 13)],
        "cadres": [{"手机号": "13900000001", "姓名": "王干部", "工作组": "东村工作组"}],
        "pairings": [{"手机号": "13900000001", "户编号": f"H{n:04d}"} for n in range(1, 13, 2)],
    }
    good = tmp_path / "花名册.xlsx"
    good.write_bytes(make_workbook(**rows))
    rows["members"][4]["身份证号"] = "110105194912310021"  # wrong check digit on 成员 row 6
    bad = tmp_path / "花名册-有错.xlsx"
    bad.write_bytes(make_workbook(**rows))
    return {"good": good, "bad": bad}


def test_admin_imports_a_roster(setup, new_page, monkeypatch):
    queued = []
    # Hold the Celery hand-off so the page can be seen while the import waits and runs.
    monkeypatch.setattr(service, "_enqueue", lambda task, pk: queued.append((task, pk)))
    monkeypatch.setattr(service, "INLINE_MAX_BYTES", 0)
    page = new_page()
    login(page, "clerk", "Passw0rd!x")

    # Upload the workbook with an error: the preview names sheet, row, column and the fix.
    navigate(page, "[data-nav='households:import']")
    page.set_input_files("#id_file", str(setup["bad"]))
    navigate(page, "[data-testid=upload-form] button[type=submit]")
    _run_queued(queued)
    page.reload()
    errors = page.locator("[data-testid=errors]")
    errors.wait_for()
    assert "校验位" in errors.inner_text() and "成员" in errors.inner_text()
    assert "6" in errors.locator("tbody tr").first.inner_text()
    assert page.locator("[data-testid=invalid]").is_visible()
    screenshot(page, "roster-import-errors")
    assert Household.objects.count() == 0

    # Upload the fixed workbook from the same page: the preview counts, nothing written yet.
    page.set_input_files("#id_file", str(setup["good"]))
    navigate(page, "[data-testid=upload-form] button[type=submit]")
    _run_queued(queued)
    page.reload()
    page.locator("[data-testid=confirm]").wait_for()
    counts = page.locator("[data-testid=counts] tr[data-sheet='户']").inner_text()
    assert "12" in counts
    screenshot(page, "roster-import-preview")

    # Confirm: the progress bar polls while the import runs, then the result page shows.
    navigate(page, "[data-testid=confirm]")
    bar = page.locator("[data-testid=progress] [role=progressbar]")
    assert bar.get_attribute("aria-valuenow") == "0"
    imp = RosterImport.objects.get(status=RosterImport.Status.QUEUED)
    cache.set(service.progress_key(imp.pk), 40, 60)
    page.wait_for_selector("[role=progressbar][aria-valuenow='40']")
    screenshot(page, "roster-import-progress")
    _run_queued(queued)
    page.locator("[data-testid=done]").wait_for()
    assert page.locator("[role=progressbar]").get_attribute("aria-valuenow") == "100"
    assert "12" in page.locator("[data-testid=counts] tr[data-sheet='户']").inner_text()
    screenshot(page, "roster-import-done")

    # Find the households.
    navigate(page, "[data-testid=done] a")
    page.fill("#id_q", "H0007")
    navigate(page, "[data-testid=household-filters] button[type=submit]")
    table = page.locator("[data-testid=household-table]")
    assert "户主7" in table.inner_text()
    expect(page.locator("[data-testid=household-table] tbody tr")).to_have_count(1)
    screenshot(page, "roster-import-found")
    assert Household.objects.count() == 12

    phone = new_page(viewport=PHONE)
    login(phone, "clerk", "Passw0rd!x")
    phone.goto("/households/")
    expect(phone.locator("[data-testid=household-table] tbody tr")).to_have_count(12)
    screenshot(phone, "households-list-phone")


def _run_queued(queued):
    # The browser keeps polling meanwhile: hold the live server's lock (see tests/e2e/conftest.py).
    with DB_LOCK:
        while queued:
            task, pk = queued.pop(0)
            task.delay(pk)
