"""Browser journey (issue 16): a township admin watches an import whose worker died. The progress
page keeps polling until the stale-import sweep fails the import; the page then stops polling and
says what happened (nothing written, upload again), and the workbook is gone."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from households.models import RosterImport
from households.roster import service
from households.roster.liveness import roster_sweep_stale
from liaison.roles import Role
from tests.e2e.conftest import DB_LOCK, login, screenshot
from tests.factories import CadreFactory, TownshipFactory, UserFactory, VillageFactory
from tests.households.conftest import household_row, member_row
from tests.households.workbooks import make_workbook

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def stuck_import(transactional_db):
    township = TownshipFactory(code="qx", name="青溪镇")
    VillageFactory(township=township, name="东村")
    admin = UserFactory(username="clerk", roles=[Role.ADMIN])
    CadreFactory(user=admin, township=township, workgroup=None, name="刘文书")
    rows = {
        "households": [household_row(n) for n in range(1, 4)],
        "members": [member_row(n) for n in range(1, 4)],
    }
    roster_import = service.roster_upload_create(
        data=make_workbook(**rows), file_name="花名册.xlsx", township=township, actor=admin
    )
    # the worker that ran it was killed an hour ago (no PostgreSQL lock here: age decides)
    RosterImport.objects.filter(pk=roster_import.pk).update(
        status=RosterImport.Status.RUNNING, created_at=timezone.now() - dt.timedelta(hours=1)
    )
    return roster_import


def test_admin_sees_a_killed_import_fail_with_a_clear_message(stuck_import, new_page):
    page = new_page()
    login(page, "clerk", "Passw0rd!x")
    page.goto(f"/households/import/{stuck_import.pk}/")
    expect(page.locator("[data-testid=status]")).to_have_text("导入中")
    expect(page.locator("[data-testid=progress] [role=progressbar]")).to_be_visible()
    screenshot(page, "roster-import-stuck")
    path = stuck_import.file.path

    with DB_LOCK:  # the page polls meanwhile
        assert roster_sweep_stale() == 1

    # The polling page refreshes by itself and names the failure.
    expect(page.locator("[data-testid=status]")).to_have_text("失败", timeout=20_000)
    alert = page.locator(".alert-danger")
    expect(alert).to_contain_text("导入中断")
    expect(alert).to_contain_text("未写入任何数据")
    screenshot(page, "roster-import-killed-failed")
    stuck_import.refresh_from_db()
    assert not stuck_import.file and not stuck_import.file.storage.exists(path)
