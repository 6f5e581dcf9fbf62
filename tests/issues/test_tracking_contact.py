"""The issue page links to the household, shows the resident's contact masked and revealable
through the audited reveal, and its timeline shows the rating itself (issue 15 item 7)."""

from django.urls import reverse

from core.models import AuditEntry
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
