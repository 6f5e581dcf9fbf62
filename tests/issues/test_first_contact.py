"""First contact is its own recorded act (issue 15, item 4): starting the work records nothing;
"contact" records who, how and when, through the workflow, the page and the API alike, and the
response rate counts it."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from issues.models import Issue, IssueEvent
from issues.selectors import rate_aggregates
from issues.workflow import issue_transition
from visits.contact_day import visit_kind_for
from visits.models import VisitCampaign

TZ = dt.timezone(dt.timedelta(hours=8))


def _triaged(new_issue, advance):
    return advance(new_issue(), "triaged")


def test_start_does_not_record_a_first_contact(world, new_issue, advance):
    issue = advance(_triaged(new_issue, advance), "in_progress")
    assert issue.status == "in_progress"
    assert issue.first_contact_at is None
    counts = rate_aggregates(Issue.objects.filter(pk=issue.pk))
    assert counts["contacted_in_time"] == 0


def test_contact_records_who_how_and_when(world, new_issue, advance):
    issue = _triaged(new_issue, advance)
    event = issue_transition(
        issue=issue, action="contact", actor=world.users["village"], contact_channel="phone"
    )
    issue = event.issue
    assert issue.status == "triaged"  # no state change
    assert issue.first_contact_at == event.at
    assert event.actor == world.users["village"]
    assert event.payload["contact_channel"] == "phone"
    counts = rate_aggregates(Issue.objects.filter(pk=issue.pk))
    assert (counts["contact_counted"], counts["contacted_in_time"]) == (1, 1)


def test_contact_after_the_fact_keeps_the_given_time(world, new_issue, advance):
    issue = _triaged(new_issue, advance)
    Issue.objects.filter(pk=issue.pk).update(reported_at=timezone.now() - dt.timedelta(hours=2))
    when = timezone.now() - dt.timedelta(minutes=30)
    issue = issue_transition(
        issue=issue,
        action="contact",
        actor=world.users["village"],
        contact_channel="wechat",
        contacted_at=when.isoformat(),
    ).issue
    assert abs((issue.first_contact_at - when).total_seconds()) < 1
    # a later contact does not move the first one
    issue = issue_transition(
        issue=issue, action="contact", actor=world.users["village"], contact_channel="visit"
    ).issue
    assert abs((issue.first_contact_at - when).total_seconds()) < 1
    assert IssueEvent.objects.filter(issue=issue, action="contact").count() == 2


@pytest.mark.parametrize(
    "data, field",
    [
        ({}, "contact_channel"),
        ({"contact_channel": "pigeon"}, "contact_channel"),
        ({"contact_channel": "phone", "contacted_at": "tomorrow"}, "contacted_at"),
        ({"contact_channel": "phone", "contacted_at": "2099-01-01T09:00"}, "contacted_at"),
        ({"contact_channel": "phone", "contacted_at": "2000-01-01T09:00"}, "contacted_at"),
    ],
)
def test_bad_contact_is_a_field_error(world, new_issue, advance, data, field):
    issue = _triaged(new_issue, advance)
    with pytest.raises(ValidationError) as exc:
        issue_transition(issue=issue, action="contact", actor=world.users["village"], **data)
    assert field in exc.value.message_dict
    assert Issue.objects.get(pk=issue.pk).first_contact_at is None


def test_reply_still_counts_when_no_contact_was_recorded(world, new_issue, advance):
    issue = advance(new_issue(), "resolved")
    assert issue.first_contact_at is None
    issue = advance(issue, "replied")
    assert issue.first_contact_at == issue.replied_at


def test_a_cadre_may_not_record_the_contact(world, new_issue, advance):
    from django.core.exceptions import PermissionDenied

    issue = _triaged(new_issue, advance)
    with pytest.raises(PermissionDenied):
        issue_transition(
            issue=issue, action="contact", actor=world.users["cadre"], contact_channel="phone"
        )


def test_contact_through_the_page(client, world, new_issue, advance):
    issue = _triaged(new_issue, advance)
    client.force_login(world.users["village"])
    detail = client.get(reverse("issues:detail", args=[issue.pk])).content.decode()
    assert 'data-testid="action-contact"' in detail
    url = reverse("issues:act", args=[issue.pk, "contact"])
    response = client.post(url, {"contact-contact_channel": ""})
    assert response.status_code == 400  # the page again, with the field error
    assert Issue.objects.get(pk=issue.pk).first_contact_at is None
    response = client.post(url, {"contact-contact_channel": "in_person"})
    assert response.status_code == 302
    assert Issue.objects.get(pk=issue.pk).first_contact_at is not None
    detail = client.get(reverse("issues:detail", args=[issue.pk])).content.decode()
    assert 'data-event="contact"' in detail
    assert "当面" in detail


def test_contact_through_the_api(world, new_issue, advance):
    issue = _triaged(new_issue, advance)
    api = APIClient()
    api.force_authenticate(world.users["village"])
    url = f"/api/v1/issues/{issue.pk}/contact/"
    response = api.post(url, {"contact_channel": "nowhere"}, format="json")
    assert response.status_code == 400
    assert "contact_channel" in response.json()
    response = api.post(url, {"contact_channel": "phone"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["first_contact_at"]


# --- The visit type defaults from the date --------------------------------------------------
@pytest.mark.parametrize(
    "day, kind",
    [
        (dt.date(2026, 3, 4), "contact_day"),  # the first Wednesday of March 2026
        (dt.date(2026, 3, 5), "ad_hoc"),
        (dt.date(2026, 3, 11), "ad_hoc"),
        (dt.date(2026, 4, 14), "mass_visit"),  # inside the spring campaign
    ],
)
def test_visit_type_defaults_from_the_date(world, day, kind):
    VisitCampaign.objects.create(
        township=world.township,
        name="春季集中走访",
        start_date=dt.date(2026, 4, 10),
        end_date=dt.date(2026, 4, 20),
    )
    assert visit_kind_for(world.township, day) == kind


def test_the_visit_form_offers_the_ordinary_type_on_an_ordinary_day(client, world):
    client.force_login(world.users["cadre"])
    with time_machine.travel(dt.datetime(2026, 3, 5, 10, 0, tzinfo=TZ), tick=False):
        html = client.get(reverse("liaison:visit-new")).content.decode()
    selected = html.split('name="kind"')[1].split("</select>")[0]
    assert 'value="ad_hoc" selected' in selected
    with time_machine.travel(dt.datetime(2026, 3, 4, 10, 0, tzinfo=TZ), tick=False):
        html = client.get(reverse("liaison:visit-new")).content.decode()
    selected = html.split('name="kind"')[1].split("</select>")[0]
    assert 'value="contact_day" selected' in selected
