"""The resident's journey on a phone (issue 15 item 1): a form error keeps the text and asks a
new question; the report gives a tracking number; the status page opens with the number and the
phone's last four digits; after the reply (staff and the handler act through the workflow in the
test), the resident rates it on the same page."""

import re

import pytest
from django.core import signing
from django.core.cache import cache
from playwright.sync_api import expect

from issues import self_report
from issues.models import Issue, IssueEvent, Status
from issues.workflow import issue_transition
from liaison.roles import Role
from tests.e2e.conftest import DB_LOCK, PHONE, navigate, screenshot
from tests.factories import (
    CommitteeFactory,
    CommitteeMembershipFactory,
    HouseholdFactory,
    VillageFactory,
)


@pytest.fixture
def resident_world(transactional_db, make_user, monkeypatch):
    monkeypatch.setattr(self_report, "MIN_FILL_SECONDS", 0)  # the browser fills fast
    cache.clear()
    village = VillageFactory(name="幸福村")
    township = village.township
    committee = CommitteeFactory(township=township, name="城建规划", code="urban_planning")
    staff = make_user(Role.COMMITTEE_STAFF, workgroup=None, township=township, name="李干事")
    handler = make_user(
        Role.VILLAGE_HANDLER, workgroup=None, township=township, village=village, name="王主任"
    )
    CommitteeMembershipFactory(committee=committee, cadre=staff.cadre, is_head=True)
    household = HouseholdFactory(village=village, township=township, head_name="赵大爷")
    token = signing.dumps(household.pk, salt="lianxin.household-report")
    yield {"staff": staff, "handler": handler, "committee": committee, "token": token}
    cache.clear()


def _answer(page) -> str:
    label = page.locator("[data-field=answer] label").inner_text()
    a, b = re.search(r"(\d+) \+ (\d+)", label).groups()
    return str(int(a) + int(b))


@pytest.mark.e2e
def test_resident_reports_tracks_and_rates(new_page, resident_world):
    w = resident_world
    page = new_page(viewport=PHONE)
    page.goto(f"/issues/report/{w['token']}/")
    page.fill("#id_reporter_name", "赵大爷")
    page.fill("#id_reporter_phone", "13800135678")
    page.fill("#id_description", "村口路灯坏了好几天，晚上出门看不见路")
    page.fill("#id_answer", "99")  # wrong on purpose
    navigate(page, "[data-testid=self-report] button[type=submit]")
    expect(page.locator("[data-error=answer]")).to_have_count(1)
    expect(page.locator("[data-field=answer] label")).to_contain_text(re.compile(r"\d \+ \d"))
    expect(page.locator("#id_description")).to_have_value("村口路灯坏了好几天，晚上出门看不见路")
    expect(page.locator("#id_answer")).to_have_value("")
    screenshot(page, "resident-1-error-keeps-text-phone")

    page.fill("#id_answer", _answer(page))
    navigate(page, "[data-testid=self-report] button[type=submit]")
    code = page.locator("[data-testid=tracking-code]").inner_text().strip()
    assert re.fullmatch(r"LX-[A-Z0-9]{8}", code)
    expect(page.locator("[data-testid=self-report-done]")).to_contain_text("短信")
    screenshot(page, "resident-2-tracking-number-phone")

    # later, in another browser: the number and the last four digits
    later = new_page(viewport=PHONE)
    later.goto("/issues/track/")
    later.fill("#id_code", code.lower())
    later.fill("#id_last4", "5678")
    navigate(later, "[data-testid=track-form] button[type=submit]")
    expect(later.locator("[data-testid=stage]")).to_have_attribute("data-status", "reported")
    expect(later.locator("[data-testid=track-status]")).not_to_contain_text("赵大爷")
    screenshot(later, "resident-3-status-reported-phone")

    issue = Issue.objects.get(tracking_code=code)
    with DB_LOCK:  # staff and the handler act through the workflow
        steps = [
            ("triage", w["staff"], {"committee": w["committee"].pk, "level": "village"}),
            ("start", w["handler"], {}),
            ("resolve", w["handler"], {"result": "已更换灯头"}),
            ("reply", w["handler"], {"channel": "phone", "reply_text": "路灯已修好，请您查看"}),
        ]
        for action, actor, data in steps:
            issue = issue_transition(issue=issue, action=action, actor=actor, **data).issue

    later.reload()
    expect(later.locator("[data-testid=stage]")).to_have_attribute("data-status", "replied")
    expect(later.locator("[data-testid=reply-text]")).to_have_text("路灯已修好，请您查看")
    expect(later.locator("[data-testid=track-committee]")).to_have_text("城建规划")
    later.check("input[name=satisfaction][value=basic]")
    later.fill("#id_comment", "修好了，就是慢了点")
    screenshot(later, "resident-4-rate-form-phone")
    navigate(later, "[data-testid=rate-form] button[type=submit]")
    expect(later.locator("[data-testid=track-satisfaction]")).to_contain_text("基本满意")
    expect(later.locator("[data-testid=rate-form]")).to_have_count(0)
    screenshot(later, "resident-5-rated-phone")

    issue.refresh_from_db()
    assert (issue.status, issue.satisfaction, issue.rated_by) == (Status.RATED, "basic", None)
    rate = IssueEvent.objects.get(issue=issue, action="rate")
    assert rate.payload["by"] == "resident" and rate.note == "修好了，就是慢了点"
