"""Open311 round trip with a browser in the middle: the 12345 hotline files a request through the
API, committee staff find it in their triage queue (source 12345热线转办, no household) and triage
it in the browser, and the hotline then follows it: 已分派, the committee, the deadline."""

import pytest
from playwright.sync_api import expect

from liaison.roles import Role
from open311.models import ApiClient
from open311.services import client_key_issue
from tests.e2e.conftest import DESKTOP, login, screenshot
from tests.factories import CommitteeFactory, CommitteeMembershipFactory, TownshipFactory

PASSWORD = "Passw0rd!x"


@pytest.fixture
def hotline(transactional_db, make_user):
    township = TownshipFactory(code="qinghe", name="清河镇")
    committee = CommitteeFactory(
        township=township, code="urban_planning", name="城建规划", keywords="路灯、道路"
    )
    staff = make_user(Role.COMMITTEE_STAFF, workgroup=None, township=township, name="李干事")
    CommitteeMembershipFactory(committee=committee, cadre=staff.cadre, is_head=True)
    client = ApiClient.objects.create(township=township, name="区12345热线")
    return {
        "staff": staff,
        "committee": committee,
        "key": client_key_issue(client=client, actor=None),
    }


@pytest.mark.e2e
def test_hotline_files_staff_triage_hotline_follows(new_page, hotline, live_server):
    api = new_page(viewport=DESKTOP).request
    base = f"{live_server.url}/open311/v2"
    # the hotline files a request
    filed = api.post(
        f"{base}/requests.json",
        form={"api_key": hotline["key"], "service_code": "urban_planning",
              "address_string": "清河镇东村村口", "description": "村口路灯坏了一周，晚上看不见路",
              "last_name": "王", "first_name": "建国", "phone": "13800138000"},
    )  # fmt: skip
    assert filed.status == 201
    rid = filed.json()[0]["service_request_id"]

    # committee staff find it in the triage queue and triage it
    staff = new_page(viewport=DESKTOP)
    login(staff, hotline["staff"].username, PASSWORD)
    staff.goto("/issues/triage/")
    row = staff.locator(f"[data-issue='{rid}']")
    expect(row).to_contain_text("村口路灯坏了一周")
    expect(row.locator("[data-suggested]")).to_have_text("城建规划")
    screenshot(staff, "open311-triage-queue")
    staff.goto(f"/issues/{rid}/")
    expect(staff.locator("main")).to_contain_text("12345热线转办")
    staff.select_option("#id_triage-committee", str(hotline["committee"].pk))
    staff.select_option("#id_triage-level", "township")
    with staff.expect_navigation(wait_until="load"):
        staff.click("button[data-action=triage]")
    expect(staff.locator("[data-testid=status] [data-status]")).to_have_attribute(
        "data-status", "triaged"
    )
    screenshot(staff, "open311-triaged")

    # the hotline follows it: triaged, by the committee, with a deadline, and no caller data
    followed = api.get(f"{base}/requests/{rid}.json", params={"api_key": hotline["key"]})
    assert followed.status == 200
    [row] = followed.json()
    assert (row["status"], row["status_notes"]) == ("open", "已分派")
    assert row["agency_responsible"] == "城建规划" and row["expected_datetime"]
    assert "13800138000" not in followed.text() and "建国" not in followed.text()
