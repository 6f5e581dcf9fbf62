"""Homes as worklists in a real browser (issue 15, items 4 and 6): the village handler (phone)
finds a newly assigned issue on the home and records the first contact; the department liaison
(1366x768) acknowledges a whistle (报到) from the home and sees "已报到 (who, when)"."""

import pytest
from playwright.sync_api import expect

from issues.models import Issue
from issues.services import issue_report
from issues.workflow import issue_transition
from liaison.roles import Role
from tests.e2e.conftest import PHONE, login, navigate, screenshot
from tests.factories import (
    CommitteeFactory,
    CommitteeMembershipFactory,
    DepartmentFactory,
    HouseholdFactory,
    PairingFactory,
    VillageFactory,
    WorkGroupFactory,
)

PASSWORD = "Passw0rd!x"
OFFICE = {"width": 1366, "height": 768}


@pytest.fixture
def worklist_world(transactional_db, make_user):
    village = VillageFactory(name="幸福村")
    township = village.township
    workgroup = WorkGroupFactory(village=village, township=township)
    committee = CommitteeFactory(
        township=township, name="城建规划", code="urban_planning", keywords="路灯、道路"
    )
    department = DepartmentFactory(name="区住建委")
    staff = make_user(Role.COMMITTEE_STAFF, workgroup=None, township=township, name="李干事")
    handler = make_user(
        Role.VILLAGE_HANDLER, workgroup=None, township=township, village=village, name="王主任"
    )
    dept = make_user(Role.DEPARTMENT_LIAISON, workgroup=None, township=None, name="赵科长")
    cadre = make_user(Role.CADRE, workgroup=workgroup, township=township, name="刘干部")
    CommitteeMembershipFactory(committee=committee, cadre=staff.cadre, is_head=True)
    department.liaisons.add(dept.cadre)
    household = HouseholdFactory(village=village, township=township, head_name="赵大爷")
    PairingFactory(cadre=cadre.cadre, household=household)

    def report(text):
        return issue_report(actor=cadre, household=household, description=text, source="visit")

    return {"staff": staff, "handler": handler, "dept": dept, "committee": committee,
            "village": village, "department": department, "report": report}  # fmt: skip


@pytest.mark.e2e
def test_village_handler_finds_a_new_assignment_and_records_contact(new_page, worklist_world):
    w = worklist_world
    issue = w["report"]("村口路灯坏了，晚上出行不安全")
    issue_transition(
        issue=issue, action="triage", actor=w["staff"],
        committee=w["committee"].pk, level="village", village=w["village"].pk,
    )  # fmt: skip

    page = new_page(viewport=PHONE)
    login(page, w["handler"].username, PASSWORD)
    page.goto("/")
    row = page.locator(f"[data-section=new] [data-issue='{issue.pk}']")
    expect(row).to_contain_text("村口路灯坏了")
    expect(row).to_contain_text("剩余")
    screenshot(page, "worklist-1-village-handler-home-phone")

    navigate(page, row.get_by_role("link", name="办理"))
    form = page.locator("[data-testid=action-contact]")
    form.locator("select[name=contact-contact_channel]").select_option("phone")
    navigate(page, form.locator("button[data-action=contact]"))
    expect(page.locator("[data-event=contact]")).to_contain_text("联系群众（电话")
    screenshot(page, "worklist-2-contact-recorded-phone")
    assert Issue.objects.get(pk=issue.pk).first_contact_at is not None

    navigate(page, page.locator("button[data-action=start]"))
    page.goto("/")
    expect(page.locator(f"[data-section=in_progress] [data-issue='{issue.pk}']")).to_be_visible()
    expect(page.locator(f"[data-section=new] [data-issue='{issue.pk}']")).to_have_count(0)
    screenshot(page, "worklist-3-village-handler-in-progress-phone")


@pytest.mark.e2e
def test_department_acknowledges_from_the_home(new_page, worklist_world):
    w = worklist_world
    issue = w["report"]("主干道大面积积水，需区里协调排水")
    issue_transition(
        issue=issue, action="triage", actor=w["staff"], committee=w["committee"].pk,
        level="district", department=w["department"].pk,
    )  # fmt: skip

    page = new_page(viewport=OFFICE)
    login(page, w["dept"].username, PASSWORD)
    page.goto("/")
    row = page.locator(f"[data-section=whistle] [data-issue='{issue.pk}']")
    expect(row).to_contain_text("报到时限")
    screenshot(page, "worklist-4-department-whistle")

    navigate(page, row.locator(f"[data-testid=ack-{issue.pk}]"))
    expect(page.locator(".alert-success")).to_contain_text("部门报到")
    page.goto("/")
    acked = page.locator(f"[data-testid=acked-{issue.pk}]")
    expect(acked).to_contain_text("已报到")
    expect(acked).to_contain_text("赵科长")
    expect(page.locator(f"[data-testid=ack-{issue.pk}]")).to_have_count(0)
    screenshot(page, "worklist-5-department-acknowledged")


@pytest.mark.e2e
def test_staff_name_the_department_of_an_automatic_escalation(new_page, worklist_world):
    w = worklist_world
    issue = w["report"]("镇区主路塌陷，需区里维修")
    issue_transition(
        issue=issue, action="triage", actor=w["staff"],
        committee=w["committee"].pk, level="township",
    )  # fmt: skip
    # the overdue scan escalates without a department: the issue waits on the dispatch queue
    issue_transition(issue=issue, action="escalate", actor=None, system=True, note="超期自动上报")

    page = new_page(viewport=OFFICE)
    login(page, w["staff"].username, PASSWORD)
    page.goto("/")
    row = page.locator(f"[data-section=dispatch] [data-issue='{issue.pk}']")
    expect(row.get_by_test_id("needs-department")).to_have_text("待指定区级部门")
    screenshot(page, "worklist-6-staff-dispatch-queue")

    navigate(page, row.get_by_role("link", name="办理"))
    form = page.locator("[data-testid=action-assign]")
    form.locator("select[name=assign-department]").select_option(str(w["department"].pk))
    navigate(page, form.locator("button[data-action=assign]"))
    expect(page.locator(".alert-success")).to_contain_text("改派")
    page.goto("/")
    expect(page.locator(f"[data-section=dispatch] [data-issue='{issue.pk}']")).to_have_count(0)
    assert Issue.objects.get(pk=issue.pk).department_id == w["department"].pk
