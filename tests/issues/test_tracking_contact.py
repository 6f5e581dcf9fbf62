"""The issue page links to the household, shows the resident's contact masked and revealable
through the audited reveal, and its timeline shows the rating itself (issue 15 item 7)."""

from django.urls import reverse

from core.models import AuditEntry
from issues.models import Issue
from issues.tracking import resident_rate


def _issue(new_issue):
    return new_issue(reporter_phone="13800135678", reporter_name="赵大爷")


def test_the_paired_cadre_sees_the_link_and_a_masked_number_and_may_reveal(
    client, world, new_issue
):
    issue = _issue(new_issue)
    client.force_login(world.users["cadre"])
    html = client.get(issue.get_absolute_url()).content.decode()
    assert reverse("households:detail", args=[world.household.pk]) in html
    assert "138****5678" in html and "13800135678" not in html
    assert 'data-testid="reveal-contact"' in html
    assert issue.tracking_code in html  # staff can tell a resident who calls the number
    before = AuditEntry.objects.filter(action=AuditEntry.Action.REVEAL).count()
    revealed = client.post(reverse("issues:reveal-contact", args=[issue.pk]))
    assert revealed.status_code == 200 and "13800135678" in revealed.content.decode()
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.REVEAL)
    assert entries.count() == before + 1
    assert f"诉求 #{issue.pk}" in entries.latest("pk").summary


def test_committee_staff_see_the_mask_only(client, world, new_issue):
    issue = _issue(new_issue)
    client.force_login(world.users["staff"])
    html = client.get(issue.get_absolute_url()).content.decode()
    assert "138****5678" in html and 'data-testid="reveal-contact"' not in html
    refused = client.post(reverse("issues:reveal-contact", args=[issue.pk]))
    assert refused.status_code == 403
    assert "13800135678" not in refused.content.decode()


def test_no_reveal_without_a_household(client, world, new_issue):
    issue = new_issue(household=None, reporter_phone="13800135678")
    client.force_login(world.users["admin"])
    assert client.post(reverse("issues:reveal-contact", args=[issue.pk])).status_code == 403


def test_the_timeline_shows_the_rating(client, world, new_issue, advance):
    issue = advance(_issue(new_issue), "replied")
    resident_rate(issue, satisfaction="unsatisfied", comment="灯还是不亮")
    client.force_login(world.users["staff"])
    html = client.get(issue.get_absolute_url()).content.decode()
    assert 'data-testid="rating">不满意<' in html
    assert "群众本人" in html and "灯还是不亮" in html


def test_intake_searches_households_by_name_address_and_last_four(client, world, monkeypatch):
    from issues.forms import IntakeForm
    from tests.factories import HouseholdFactory

    monkeypatch.setattr(IntakeForm, "SELECT_LIMIT", 0)
    HouseholdFactory(village=world.other_village, township=world.township, head_name="钱外人")
    world.household.head_name, world.household.address = "赵大爷", "幸福路12号"
    world.household.phone = "13800135678"
    world.household.save()
    client.force_login(world.users["cadre"])  # sees only the paired household
    page = client.get(reverse("issues:intake")).content.decode()
    assert 'data-testid="household-q"' in page and 'placeholder="户编号"' not in page
    url = reverse("issues:household-search")
    for q in ("赵大", "幸福路", "5678"):
        rows = client.get(url, {"q": q}).json()["results"]
        assert [r["id"] for r in rows] == [world.household.pk], q
        assert "13800135678" not in rows[0]["label"]
    assert client.get(url, {"q": "钱外"}).json()["results"] == []  # beyond the scope
    assert client.get(url, {"q": "8"}).json()["results"] == []  # too short


def test_intake_searches_households_then_posts_the_chosen_one(client, world, monkeypatch):
    from issues.forms import IntakeForm

    monkeypatch.setattr(IntakeForm, "SELECT_LIMIT", 0)
    client.force_login(world.users["admin"])
    data = {"description": "屋顶漏雨", "urgency": "normal", "source": "phone"}
    refused = client.post(reverse("issues:intake"), {**data, "household": world.household.code})
    assert refused.status_code == 400  # a typed code is not a choice
    response = client.post(reverse("issues:intake"), {**data, "household": world.household.pk})
    assert response.status_code == 302
    assert Issue.objects.get().household == world.household


def test_household_search_is_for_reporters_only(client, world):
    client.force_login(world.users["leader"])
    assert client.get(reverse("issues:household-search"), {"q": "赵大"}).status_code == 403
