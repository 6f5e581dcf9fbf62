"""After an action the actor lands on a page they may see, with the message (issue 15 item 2):
triage to another committee, even the suggested one, takes the issue out of the staff's scope."""

import pytest
from django.urls import reverse

from issues.models import Status
from tests.factories import CommitteeFactory


@pytest.fixture
def other_committee(world):
    return CommitteeFactory(
        township=world.township, code="urban_planning", name="城建规划", keywords="路灯"
    )


def test_triage_to_another_committee_lands_on_the_queue_with_the_message(
    client, world, new_issue, other_committee
):
    issue = new_issue()
    client.force_login(world.users["staff"])
    response = client.post(
        reverse("issues:act", args=[issue.pk, "triage"]),
        {"triage-committee": other_committee.pk, "triage-level": "village"},
        follow=True,
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("issues:triage")
    html = response.content.decode()
    assert "已分派" in html and f"#{issue.pk}" in html
    issue.refresh_from_db()
    assert (issue.status, issue.committee) == (Status.TRIAGED, other_committee)


def test_triage_to_own_committee_stays_on_the_issue(client, world, new_issue):
    issue = new_issue()
    client.force_login(world.users["staff"])
    response = client.post(
        reverse("issues:act", args=[issue.pk, "triage"]),
        {"triage-committee": world.committee.pk, "triage-level": "village"},
    )
    assert response.status_code == 302 and response.url == issue.get_absolute_url()


def test_a_handler_who_escalates_out_of_scope_lands_on_the_list(client, world, new_issue, advance):
    issue = advance(new_issue(), "in_progress")
    client.force_login(world.users["village"])  # sees village-level issues of the village
    response = client.post(
        reverse("issues:act", args=[issue.pk, "escalate"]),
        {"escalate-note": "需要乡镇协调"},
        follow=True,
    )
    assert response.status_code == 200
    final = response.redirect_chain[-1][0]
    assert final in (issue.get_absolute_url(), reverse("issues:list"))
    assert "已上报上级" in response.content.decode()
