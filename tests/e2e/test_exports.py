"""Browser journeys of issue 15, items 9 and 11: committee staff export the issue ledger with a
filter and get an .xlsx whose rows match; a group leader pages through the contact cards of a
work group larger than one page (no silent cap)."""

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from core import ledger_pages
from core.models import AuditEntry
from households.models import Household
from issues.ledger import HEADERS
from issues.models import Issue
from issues.services import issue_report
from issues.workflow import issue_transition
from liaison.models import Pairing
from liaison.roles import Role
from tests.e2e.conftest import login, navigate, screenshot
from tests.factories import (
    CommitteeFactory,
    CommitteeMembershipFactory,
    HouseholdFactory,
    PairingFactory,
    VillageFactory,
    WorkGroupFactory,
)

pytestmark = [pytest.mark.e2e]

PASSWORD = "Passw0rd!x"
STAFF_VIEWPORT = {"width": 1366, "height": 768}


@pytest.fixture
def township_with_issues(transactional_db, make_user):
    village = VillageFactory(name="幸福村")
    township = village.township
    workgroup = WorkGroupFactory(village=village, township=township, name="幸福村工作组")
    committee = CommitteeFactory(township=township, name="民生文化", code="livelihood_culture")
    staff = make_user(Role.COMMITTEE_STAFF, workgroup=None, township=township, name="李干事")
    CommitteeMembershipFactory(committee=committee, cadre=staff.cadre, is_head=True)
    cadre = make_user(Role.CADRE, workgroup=workgroup, township=township, name="刘干部")
    household = HouseholdFactory(village=village, township=township, head_name="赵大爷")
    PairingFactory(cadre=cadre.cadre, household=household)
    texts = ["村口路灯坏了", "路面积水严重", "垃圾清运不及时", '=HYPERLINK("x") 广场噪音']
    issues = [
        issue_report(actor=cadre, household=household, description=text, source="visit")
        for text in texts
    ]
    for issue in issues[:2]:  # two of the four are triaged to the staff's committee
        issue_transition(
            issue=issue, action="triage", actor=staff, committee=committee.pk, level="village"
        )
    return {"staff": staff, "committee": committee, "issues": issues}


def test_staff_export_the_issue_ledger_with_a_filter(new_page, township_with_issues, monkeypatch):
    monkeypatch.setattr(ledger_pages, "LARGE_ROWS", 2)  # two rows count as large: a progress bar
    staff = township_with_issues["staff"]
    page = new_page(viewport=STAFF_VIEWPORT)
    login(page, staff.username, PASSWORD)

    # from the issue list, filtered to 已分派, to the ledger page with the same filter
    page.goto("/issues/?status=triaged")
    navigate(page, "[data-testid=ledger-link]")
    assert "status=triaged" in page.url
    expect(page.locator("[data-testid=ledger-count]")).to_contain_text("共 2 行")
    screenshot(page, "exports-issue-ledger-staff", full_page=False)

    # the staff widen the filter to every status on the page and narrow it by keyword
    page.select_option("#id_status", "")
    page.fill("#id_q", "路")
    navigate(page, "[data-testid=ledger-filter]")
    expect(page.locator("[data-testid=ledger-count]")).to_contain_text("共 2 行")

    with page.expect_download() as download_info:
        page.click("[data-testid=ledger-download]")
    download = download_info.value
    progress = page.locator("[data-testid=ledger-progress]")
    expect(progress).to_be_visible()
    expect(progress).to_contain_text("已生成，文件正在下载")
    expect(progress).to_contain_text("2 / 2")
    screenshot(page, "exports-issue-ledger-progress", full_page=False)
    assert download.suggested_filename.startswith("issue-ledger-")
    with open(download.path(), "rb") as saved:  # a temporary name with no .xlsx
        sheet = load_workbook(io.BytesIO(saved.read()))["诉求台账"]
    rows = list(sheet.values)
    assert list(rows[0]) == HEADERS
    expected = Issue.objects.filter(description__contains="路").order_by("reported_at", "id")
    assert [r[0] for r in rows[1:]] == [i.pk for i in expected]
    assert [r[HEADERS.index("诉求内容")] for r in rows[1:]] == [i.description for i in expected]

    entry = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT, object_type="issues.issue")
    assert entry.actor == staff and entry.changes == {"rows": 2, "filters": {"q": "路"}}


@pytest.fixture
def large_group(transactional_db, make_user):
    village = VillageFactory(name="东村")
    township = village.township
    township.service_phone = "010-88886666"
    township.save(update_fields=["service_phone"])
    workgroup = WorkGroupFactory(village=village, township=township, name="东村工作组")
    leader = make_user(
        Role.GROUP_LEADER, workgroup=workgroup, township=township, name="张组长",
        phone="13900000009",
    )  # fmt: skip
    households = Household.objects.bulk_create(
        Household(township=township, village=village, code=f"E{k:04d}", head_name=f"户主{k}",
                  address=f"东村幸福路{k}号")
        for k in range(1, 131)
    )  # fmt: skip
    Pairing.objects.bulk_create(
        Pairing(cadre=leader.cadre, household=h, start_date="2025-01-01") for h in households
    )
    return {"leader": leader, "workgroup": workgroup}


def test_group_leader_pages_through_the_contact_cards_of_the_group(new_page, large_group):
    page = new_page(viewport=STAFF_VIEWPORT)
    login(page, large_group["leader"].username, PASSWORD)

    # from the group leader's home to the group's cards: 130 cards, the first page of two
    navigate(page, "[data-testid=workgroup-cards]")
    cards = page.locator("[data-testid=card]")
    expect(cards).to_have_count(100)
    expect(page.locator("[data-testid=card-count]")).to_contain_text("共 130 张")
    expect(page.locator("[data-testid=card-count]")).to_contain_text("第 1/2 页")
    expect(page.locator("[data-testid=card-page-link]")).to_have_count(4)  # top and bottom
    expect(cards.first).to_contain_text("户主1（E0001）")
    expect(cards.first.locator("svg path")).to_have_count(1)
    screenshot(page, "exports-cards-page-1", full_page=False)

    # the second page holds the other 30, and says so
    navigate(page, "[data-testid=card-pages] >> nth=0 >> [data-testid=card-page-next]")
    expect(cards).to_have_count(30)
    expect(page.locator("[data-testid=card-count]")).to_contain_text("第 2/2 页（第 101–130 张）")
    expect(cards.last).to_contain_text("户主130（E0130）")
    screenshot(page, "exports-cards-page-2", full_page=False)
