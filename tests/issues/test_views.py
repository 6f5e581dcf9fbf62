"""The issue pages: lists per role, intake with similar issues, triage queue, actions."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from issues.models import Attachment, Issue, Status
from tests.samples import PNG  # a real image: uploads are decoded, not sniffed


@pytest.mark.parametrize(
    "role", ["admin", "leader", "staff", "grouplead", "cadre", "village", "dept"]
)
def test_list_renders_for_every_role(client, world, new_issue, role):
    new_issue()
    client.force_login(world.users[role])
    response = client.get(reverse("issues:list"), {"status": "reported", "overdue": ""})
    assert response.status_code == 200


def test_list_filters(client, world, new_issue, advance):
    advance(new_issue("路灯"), "triaged")
    new_issue("积水")
    client.force_login(world.users["admin"])
    response = client.get(reverse("issues:list"), {"status": "triaged"})
    assert [i.description for i in response.context["page"]] == ["路灯"]
    response = client.get(reverse("issues:list"), {"q": "积水", "date_from": "bad"})
    assert response.status_code == 200  # a bad date is ignored, never a 500


def test_detail_is_404_outside_scope(client, world, new_issue):
    from tests.factories import HouseholdFactory

    stranger = HouseholdFactory(village=world.other_village, township=world.township)
    issue = new_issue(household=stranger, actor="staff")
    client.force_login(world.users["cadre"])
    assert client.get(reverse("issues:detail", args=[issue.pk])).status_code == 404


def test_detail_shows_six_haves_and_the_allowed_buttons(client, world, new_issue):
    issue = new_issue()
    client.force_login(world.users["staff"])
    html = client.get(reverse("issues:detail", args=[issue.pk])).content.decode()
    assert 'data-have="record" data-done="1"' in html
    assert 'data-have="archive" data-done="0"' in html
    assert 'data-action="triage"' in html
    assert 'data-action="resolve"' not in html
    assert 'data-testid="suggested"' in html  # "路灯" matches the committee's keywords


def test_triage_through_the_page(client, world, new_issue):
    issue = new_issue()
    client.force_login(world.users["staff"])
    url = reverse("issues:act", args=[issue.pk, "triage"])
    response = client.post(url, {"triage-committee": "", "triage-level": "village"})
    assert response.status_code == 400
    assert 'data-error="committee"' in response.content.decode()
    response = client.post(url, {"triage-committee": world.committee.pk, "triage-level": "village"})
    assert response.status_code == 302
    issue.refresh_from_db()
    assert issue.status == Status.TRIAGED and issue.village == world.village


def test_a_stale_action_is_a_message_not_an_error(client, world, new_issue):
    issue = new_issue()
    client.force_login(world.users["staff"])
    response = client.post(reverse("issues:act", args=[issue.pk, "archive"]), follow=True)
    assert response.status_code == 200
    assert "不能执行" in response.content.decode()


def test_forbidden_role_gets_403_on_action(client, world, new_issue):
    issue = new_issue()
    client.force_login(world.users["leader"])
    url = reverse("issues:act", args=[issue.pk, "triage"])
    response = client.post(url, {"triage-committee": world.committee.pk, "triage-level": "village"})
    assert response.status_code == 403
    issue.refresh_from_db()
    assert issue.status == Status.REPORTED


def test_intake_shows_similar_issues_before_creating_a_duplicate(client, world, new_issue):
    first = new_issue("村口路灯坏了，晚上看不见路")
    client.force_login(world.users["cadre"])
    data = {
        "household": world.household.pk,
        "description": "村口的路灯坏了",
        "urgency": "normal",
        "source": "phone",
    }
    response = client.post(reverse("issues:intake"), data)
    assert response.status_code == 200
    assert f'data-similar="{first.pk}"' in response.content.decode()
    assert Issue.objects.count() == 1
    response = client.post(reverse("issues:intake"), {**data, "confirm_new": "on"})
    assert response.status_code == 302
    assert Issue.objects.count() == 2


def test_intake_with_an_attachment_checks_its_content(client, world):
    client.force_login(world.users["cadre"])
    data = {
        "household": world.household.pk,
        "description": "屋顶漏雨",
        "urgency": "urgent",
        "source": "walk_in",
    }
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not an image", content_type="image/jpeg")
    response = client.post(reverse("issues:intake"), {**data, "attachment": fake})
    assert response.status_code == 400
    assert Issue.objects.count() == 0  # all or nothing
    png = SimpleUploadedFile("photo.png", PNG, content_type="image/png")
    response = client.post(reverse("issues:intake"), {**data, "attachment": png})
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.content_type == "image/png"
    assert client.get(reverse("issues:attachment", args=[attachment.pk])).status_code == 200


def test_intake_requires_a_description(client, world):
    client.force_login(world.users["cadre"])
    response = client.post(
        reverse("issues:intake"), {"description": "", "urgency": "x", "source": "y"}
    )
    assert response.status_code == 400
    assert Issue.objects.count() == 0


def test_leader_cannot_open_intake_or_triage(client, world):
    client.force_login(world.users["leader"])
    assert client.get(reverse("issues:intake")).status_code == 403
    assert client.get(reverse("issues:triage")).status_code == 403


def test_bulk_triage(client, world, new_issue):
    issues = [new_issue(f"道路积水{n}") for n in range(3)]
    client.force_login(world.users["staff"])
    page = client.get(reverse("issues:triage"))
    assert page.status_code == 200
    assert f'data-suggested="{world.committee.pk}"' in page.content.decode()
    response = client.post(
        reverse("issues:triage"),
        {"issue": [i.pk for i in issues[:2]], "committee": world.committee.pk, "level": "village"},
    )
    assert response.status_code == 302
    statuses = sorted(Issue.objects.values_list("status", flat=True))
    assert statuses == ["reported", "triaged", "triaged"]


def test_home_pages_use_the_selectors(client, world, new_issue, advance):
    issue = new_issue()
    client.force_login(world.users["staff"])
    assert f"#{issue.pk}" in client.get("/").content.decode()
    advance(issue, "triaged")
    client.force_login(world.users["village"])
    assert f"#{issue.pk}" in client.get("/").content.decode()


def test_merge_from_the_similar_list(client, world, new_issue):
    keep = new_issue("村口路灯坏了，晚上看不见路")
    dup = new_issue("村口路灯坏了，晚上很黑")
    client.force_login(world.users["staff"])
    html = client.get(reverse("issues:detail", args=[dup.pk])).content.decode()
    assert f'data-merge-into="{keep.pk}"' in html
    response = client.post(
        reverse("issues:act", args=[dup.pk, "merge"]), {"merge-into": keep.pk, "merge-note": "重复"}
    )
    assert response.status_code == 302
    dup.refresh_from_db()
    assert (dup.status, dup.merged_into_id) == (Status.MERGED, keep.pk)


def test_an_action_can_carry_an_attachment_on_its_event(client, world, new_issue, advance):
    issue = advance(new_issue(), "in_progress")
    client.force_login(world.users["village"])
    url = reverse("issues:act", args=[issue.pk, "resolve"])
    bad = SimpleUploadedFile(
        "result.pdf", b"<script>alert(1)</script>", content_type="application/pdf"
    )
    response = client.post(url, {"resolve-result": "已修复", "resolve-attachment": bad})
    assert response.status_code == 400
    issue.refresh_from_db()
    assert issue.status == Status.IN_PROGRESS  # nothing applied
    photo = SimpleUploadedFile("after.png", PNG, content_type="image/png")
    response = client.post(url, {"resolve-result": "已修复", "resolve-attachment": photo})
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.event.action == "resolve"
    assert "after.png" in client.get(reverse("issues:detail", args=[issue.pk])).content.decode()


def test_a_photo_sent_with_an_unsatisfied_rating_lands_on_the_rating(
    client, world, new_issue, advance
):
    """不满意 reopens the issue automatically (a second event); the photo the cadre sent with the
    rating belongs to the rating event that `issue_transition` returns, not to the reopen."""
    issue = advance(new_issue(), "replied")
    client.force_login(world.users["cadre"])
    photo = SimpleUploadedFile("still-broken.png", PNG, content_type="image/png")
    url = reverse("issues:act", args=[issue.pk, "rate"])
    data = {
        "rate-satisfaction": "unsatisfied",
        "rate-comment": "还没修好",
        "rate-attachment": photo,
    }

    assert client.post(url, data).status_code == 302

    issue.refresh_from_db()
    assert issue.status == Status.IN_PROGRESS  # reopened
    assert list(issue.events.values_list("action", flat=True))[-2:] == ["rate", "reopen"]
    assert Attachment.objects.get().event.action == "rate"


# Intake in large scopes searches households instead of taking a typed 户编号:
# tests/issues/test_tracking_contact.py (test_intake_searches_households_*).


def test_cadre_cannot_report_for_a_household_outside_scope(client, world):
    from tests.factories import HouseholdFactory

    stranger = HouseholdFactory(village=world.other_village, township=world.township)
    client.force_login(world.users["cadre"])
    data = {"description": "漏雨", "urgency": "normal", "source": "phone", "household": stranger.pk}
    assert client.post(reverse("issues:intake"), data).status_code == 400
    assert not Issue.objects.exists()


def test_triage_queue_query_count_does_not_grow_with_the_queue(
    client, world, new_issue, django_assert_max_num_queries
):
    for n in range(3):
        new_issue(f"道路积水{n}")
    client.force_login(world.users["staff"])
    client.get(reverse("issues:triage"))  # warm caches (session, roles)
    with django_assert_max_num_queries(12) as first:
        page = client.get(reverse("issues:triage"))
    assert page.content.decode().count("相似诉求") == 3
    for n in range(20):
        new_issue(f"道路积水{n + 3}")
    with django_assert_max_num_queries(len(first)):
        client.get(reverse("issues:triage"))
