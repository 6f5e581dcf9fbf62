"""The closed loop in a real browser: staff triages a reported issue to a village, the village
handler resolves it, the cadre replies and records a satisfied callback, staff archive it, and
the leader's headline figures count it."""

import pytest
from playwright.sync_api import expect

from issues.models import Issue, Status
from issues.services import issue_report
from liaison.roles import Role
from tests.e2e.conftest import DESKTOP, PHONE, login, navigate, screenshot
from tests.factories import (
    CommitteeFactory,
    CommitteeMembershipFactory,
    HouseholdFactory,
    PairingFactory,
    VillageFactory,
    WorkGroupFactory,
)

PASSWORD = "Passw0rd!x"


@pytest.fixture
def loop_world(transactional_db, make_user):
    village = VillageFactory(name="幸福村")
    township = village.township
    workgroup = WorkGroupFactory(village=village, township=township)
    committee = CommitteeFactory(
        township=township, name="城建规划", code="urban_planning", keywords="路灯、道路"
    )
    staff = make_user(Role.COMMITTEE_STAFF, workgroup=None, township=township, name="李干事")
    handler = make_user(
        Role.VILLAGE_HANDLER, workgroup=None, township=township, village=village, name="王主任"
    )
    cadre = make_user(Role.CADRE, workgroup=workgroup, township=township, name="刘干部")
    leader = make_user(Role.LEADER, workgroup=None, township=township, name="张书记")
    CommitteeMembershipFactory(committee=committee, cadre=staff.cadre, is_head=True)
    household = HouseholdFactory(village=village, township=township, head_name="赵大爷")
    PairingFactory(cadre=cadre.cadre, household=household)
    issue = issue_report(
        actor=cadre, household=household, description="村口路灯坏了，晚上出行不安全", source="visit"
    )
    return {"staff": staff, "handler": handler, "cadre": cadre, "leader": leader,
            "committee": committee, "village": village, "issue": issue}  # fmt: skip


def _act(page, action):
    navigate(page, f"button[data-action={action}]")


@pytest.mark.e2e
def test_the_closed_loop(new_page, loop_world):
    w = loop_world
    issue = w["issue"]
    url = f"/issues/{issue.pk}/"

    # 1. committee staff: the queue suggests the committee; triage to the village
    staff = new_page(viewport=DESKTOP)
    login(staff, w["staff"].username, PASSWORD)
    staff.goto("/issues/triage/")
    assert staff.locator(f"[data-issue='{issue.pk}'] [data-suggested]").inner_text() == "城建规划"
    screenshot(staff, "issue-loop-1-triage-queue")
    staff.goto(url)
    staff.select_option("#id_triage-committee", str(w["committee"].pk))
    staff.select_option("#id_triage-level", "village")
    staff.select_option("#id_triage-village", str(w["village"].pk))
    _act(staff, "triage")
    assert (
        staff.locator("[data-testid=status] [data-status]").get_attribute("data-status")
        == "triaged"
    )
    screenshot(staff, "issue-loop-2-triaged")

    # 2. village handler, on a phone: start, then resolve with a result
    handler = new_page(viewport=PHONE)
    login(handler, w["handler"].username, PASSWORD)
    # the new assignment is on the handler's home worklist (issue 15, item 6)
    expect(handler.locator(f"[data-testid=worklist] a.fw-semibold[href='{url}']")).to_have_count(1)
    handler.goto(url)
    _act(handler, "start")
    navigate(handler, "button[data-action=resolve]")  # empty result: a field error, not a 500
    expect(handler.locator("[data-error=result]")).to_have_count(1)
    handler.fill("#id_resolve-result", "已更换路灯灯头，恢复照明")
    _act(handler, "resolve")
    assert (
        handler.locator("[data-testid=status] [data-status]").get_attribute("data-status")
        == "resolved"
    )
    screenshot(handler, "issue-loop-3-resolved-phone")

    # 3. the paired cadre: reply to the resident, then the satisfaction callback
    cadre = new_page(viewport=PHONE)
    login(cadre, w["cadre"].username, PASSWORD)
    cadre.goto(url)
    cadre.select_option("#id_reply-channel", "phone")
    cadre.fill("#id_reply-reply_text", "已电话告知赵大爷路灯修好了")
    _act(cadre, "reply")
    cadre.check("input[name='rate-satisfaction'][value='satisfied']")
    cadre.fill("#id_rate-comment", "很满意，修得很快")
    _act(cadre, "rate")
    assert (
        cadre.locator("[data-testid=status] [data-status]").get_attribute("data-status") == "rated"
    )
    screenshot(cadre, "issue-loop-4-rated-phone")

    # 4. staff archive: all six haves are there
    staff.goto(url)
    _act(staff, "archive")
    assert (
        staff.locator("[data-testid=status] [data-status]").get_attribute("data-status")
        == "archived"
    )
    expect(staff.locator("[data-testid=six-haves] [data-done='1']")).to_have_count(6)
    screenshot(staff, "issue-loop-5-archived")

    issue.refresh_from_db()
    assert issue.status == Status.ARCHIVED
    assert issue.rated_by == w["cadre"] and issue.closed_by == w["handler"]
    assert list(issue.events.values_list("action", flat=True)) == [
        "report", "triage", "start", "resolve", "reply", "rate", "archive",
    ]  # fmt: skip

    # 5. the leader's headline counts it
    leader = new_page(viewport=DESKTOP)
    login(leader, w["leader"].username, PASSWORD)
    assert leader.locator("[data-stat=issues_total]").inner_text() == "1"
    assert leader.locator("[data-stat=issues_open]").inner_text() == "0"
    assert leader.locator("[data-stat=resolution_rate]").inner_text() == "100.0%"
    assert leader.locator("[data-stat=satisfaction_rate]").inner_text() == "100.0%"
    screenshot(leader, "issue-loop-6-leader-home")
    assert Issue.objects.count() == 1


@pytest.mark.e2e
def test_resident_reports_through_the_contact_card_qr_code(new_page, loop_world):
    import re

    from households.services import household_report_token

    household = loop_world["issue"].household
    resident = new_page(viewport=PHONE)
    resident.goto(f"/issues/report/{household_report_token(household)}/")
    resident.fill("#id_reporter_name", "赵大爷")
    resident.fill("#id_reporter_phone", "13800001111")
    resident.fill("#id_description", "楼道里的灯也坏了，老人上下楼不方便")
    a, b = map(int, re.findall(r"\d+", resident.locator("label[for=id_answer]").inner_text()))
    resident.fill("#id_answer", str(a + b))
    screenshot(resident, "issue-qr-1-form-phone")
    resident.wait_for_timeout(3200)  # the minimum fill time of the anti-abuse check
    navigate(resident, "[data-testid=self-report] button[type=submit]")
    expect(resident.locator("[data-testid=self-report-done]")).to_have_count(1)
    screenshot(resident, "issue-qr-2-done-phone")

    reported = Issue.objects.get(source="self_report")
    staff = new_page(viewport=PHONE)
    login(staff, loop_world["staff"].username, PASSWORD)
    staff.goto("/issues/triage/")
    expect(staff.locator(f"[data-issue='{reported.pk}']")).to_have_count(1)
    # the resident's report and the cadre's earlier one are flagged as similar
    assert (
        staff.locator(
            f"[data-issue='{reported.pk}'] a[href='/issues/{loop_world['issue'].pk}/']"
        ).count()
        == 1
    )
    screenshot(staff, "issue-qr-3-triage-queue-phone")
