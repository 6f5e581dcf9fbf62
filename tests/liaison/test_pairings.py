"""Pairing management: bulk assign/reassign with history, scoping, warnings; the API."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry
from liaison import services
from liaison.models import Pairing
from liaison.roles import Role
from tests.conftest import give_role
from tests.factories import CadreFactory, HouseholdFactory, PairingFactory
from visits.models import ContactDay, VisitCampaign
from visits.selectors import pairing_warnings


def test_reassign_keeps_history(group):
    a, b = group["a"], group["b"]
    household = group["households"]["a"][0]
    Pairing.objects.filter(household=household).update(start_date=dt.date(2024, 1, 1))
    result = services.pairing_assign(
        actor=group["leader"].user, cadre=b, household_ids=[household.pk], on=dt.date(2025, 5, 1)
    )
    assert result == {"assigned": 0, "reassigned": 1, "unchanged": 0}
    history = list(Pairing.objects.filter(household=household).order_by("start_date"))
    assert [(p.cadre, p.start_date, p.end_date) for p in history] == [
        (a, dt.date(2024, 1, 1), dt.date(2025, 4, 30)),
        (b, dt.date(2025, 5, 1), None),
    ]


def test_bulk_assign_by_selection_through_the_page(client, group):
    leader = group["leader"]
    new = [HouseholdFactory(village=group["workgroup"].village) for _ in range(3)]
    client.force_login(leader.user)
    page = client.get(reverse("liaison:pairings"))
    assert page.status_code == 200
    assert 'data-testid="warn-unpaired"' in page.content.decode()
    response = client.post(
        reverse("liaison:pairings"),
        {"cadre": group["b"].pk, "household": [str(h.pk) for h in new[:2]]},
    )
    assert response.status_code == 302
    assert Pairing.objects.current().filter(cadre=group["b"], household__in=new[:2]).count() == 2
    assert not Pairing.objects.filter(household=new[2]).exists()


def test_bulk_assign_by_filter(client, group):
    leader = group["leader"]
    new = [HouseholdFactory(village=group["workgroup"].village) for _ in range(4)]
    client.force_login(leader.user)
    client.post(
        reverse("liaison:pairings") + "?unpaired=1", {"cadre": group["a"].pk, "by_filter": "on"}
    )
    assert Pairing.objects.current().filter(cadre=group["a"], household__in=new).count() == 4
    assert Pairing.objects.current().filter(cadre=group["b"]).count() == 2  # untouched


def test_group_leader_cannot_touch_other_groups(client, group):
    outsider = PairingFactory()
    client.force_login(group["leader"].user)
    client.post(
        reverse("liaison:pairings"), {"cadre": group["a"].pk, "household": [outsider.household.pk]}
    )
    assert Pairing.objects.current().get(household=outsider.household).cadre == outsider.cadre
    response = client.post(
        reverse("liaison:pairings"), {"cadre": outsider.cadre.pk, "household": []}
    )
    assert response.status_code == 200  # the cadre is not a choice: a form error, not a 500
    assert (
        client.get(reverse("liaison:pairing-history", args=[outsider.household.pk])).status_code
        == 404
    )


def test_cadres_cannot_manage_pairings(client, group):
    client.force_login(group["a"].user)
    assert client.get(reverse("liaison:pairings")).status_code == 404
    assert client.get(reverse("liaison:organisation")).status_code == 404


def test_warnings_for_unpaired_and_overloaded(group):
    from households.access import pairing_households_for
    from liaison.access import pairing_cadres_for

    heavy = CadreFactory(workgroup=group["workgroup"], name="忙碌干部")
    for _ in range(12):
        PairingFactory(cadre=heavy)
    HouseholdFactory(village=group["workgroup"].village)
    user = group["leader"].user
    warnings = pairing_warnings(pairing_households_for(user), pairing_cadres_for(user))
    assert warnings.unpaired_count == 1
    assert [c["name"] for c in warnings.overloaded] == ["忙碌干部"]


def test_history_and_organisation_pages(client, group):
    household = group["households"]["a"][0]
    client.force_login(group["leader"].user)
    body = client.get(reverse("liaison:pairing-history", args=[household.pk])).content.decode()
    assert "干部甲" in body
    body = client.get(reverse("liaison:organisation")).content.decode()
    assert "组长老王" in body and "干部乙" in body


def test_campaign_page_shows_coverage(client, group, make_user):
    township = group["workgroup"].township
    VisitCampaign.objects.create(
        township=township,
        name="2025年春季集中走访",
        start_date=dt.date(2025, 3, 1),
        end_date=dt.date(2025, 3, 31),
    )
    services_visit = group["households"]["a"][0]
    from visits.models import Visit

    # coverage counts the pairings in force during the campaign (issue 15, item 13)
    Pairing.objects.update(start_date=dt.date(2025, 1, 1))

    Visit.objects.create(cadre=group["a"], household=services_visit, visited_on=dt.date(2025, 3, 5))
    admin = make_user(Role.ADMIN, township=township, workgroup=None)
    client.force_login(admin)
    body = client.get(reverse("liaison:campaigns")).content.decode()
    assert "2025年春季集中走访" in body and "20.0%" in body
    response = client.post(
        reverse("liaison:campaigns"),
        {"name": "秋季", "start_date": "2025-10-10", "end_date": "2025-10-01"},
    )
    assert "结束日期不能早于开始日期" in response.content.decode()


def test_admin_moves_a_contact_day(client, group, make_user):
    township = group["workgroup"].township
    admin = make_user(Role.ADMIN, township=township, workgroup=None)
    client.force_login(admin)
    today = timezone.localdate()
    response = client.post(
        reverse("liaison:contact-days"),
        {
            "year": today.year,
            "month": today.month,
            "date": today.isoformat(),
            "reason": "调休",
            "confirm_holiday": "on",  # today may be a weekend or a holiday
        },
    )
    assert response.status_code == 302
    body = client.get(reverse("liaison:contact-days")).content.decode()
    assert "调休" in body
    bad = client.post(reverse("liaison:contact-days"), {"year": 2025, "month": 13, "date": "x"})
    assert bad.status_code == 200
    client.force_login(group["a"].user)
    assert client.post(reverse("liaison:contact-days"), {"year": 2025}).status_code == 404


@pytest.mark.parametrize("door", ["page", "admin"])
def test_a_contact_day_move_is_the_same_rule_on_every_door(client, group, make_user, door):
    """The page and the admin both go through visits.services.contact_day_move: admins only,
    the month checked, the move audited."""
    township = group["workgroup"].township
    admin = make_user(Role.ADMIN, township=township, workgroup=None)
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    url = {
        "page": reverse("liaison:contact-days"),
        "admin": reverse("admin:visits_contactday_add"),
    }[door]
    data = {"year": 2031, "month": 1, "date": "2031-01-08", "reason": "元旦调休"}
    if door == "admin":
        data["township"] = township.pk
    client.force_login(admin)

    bad = client.post(url, {**data, "month": 13})
    assert bad.status_code == 200 and not ContactDay.objects.exists()
    assert client.post(url, data).status_code == 302

    moved = ContactDay.objects.get()
    assert (moved.township, moved.date.isoformat()) == (township, "2031-01-08")
    audit = AuditEntry.objects.get(action=AuditEntry.Action.UPDATE, object_id=str(moved.pk))
    assert audit.actor == admin and "联系群众日调整" in audit.summary


# --- API --------------------------------------------------------------------------------------
def test_api_visits_are_scoped_and_logged_through_the_service(client, group):
    a = group["a"]
    client.force_login(a.user)
    mine = group["households"]["a"][0]
    other = group["households"]["b"][0]
    today = timezone.localdate().isoformat()
    created = client.post(
        "/api/v1/visits/",
        {
            "household": mine.pk,
            "visited_on": today,
            "kind": "phone",
            "notes": "电话问候",
            "tags": ["health"],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["tag_labels"] == ["看病就医"]
    refused = client.post(
        "/api/v1/visits/",
        {"household": other.pk, "visited_on": today, "kind": "phone", "notes": "x"},
        content_type="application/json",
    )
    assert refused.status_code == 404
    listed = client.get("/api/v1/visits/").json()
    assert listed["count"] == 1
    client.force_login(group["b"].user)
    assert client.get(f"/api/v1/visits/{created.json()['id']}/").status_code == 404


@pytest.mark.parametrize("door", ["page", "api"])
def test_a_reassigned_pairing_ends_the_day_before_on_every_door(client, group, door):
    """One rule (liaison.services.pairings_close) on the page and the API; the roster import's
    side is tests/households/test_roster_import.py::test_reassigned_pairing_ends_the_day_before_\
as_in_the_pairing_service."""
    give_role(group["leader"].user, Role.GROUP_LEADER)
    household = group["households"]["a"][0]
    a_month_ago = timezone.localdate() - dt.timedelta(days=30)
    Pairing.objects.filter(household=household).update(start_date=a_month_ago)
    client.force_login(group["leader"].user)
    if door == "page":
        data = {"cadre": group["b"].pk, "household": [str(household.pk)]}
        assert client.post(reverse("liaison:pairings"), data).status_code == 302
    else:
        data = {"cadre": group["b"].pk, "households": [household.pk]}
        response = client.post("/api/v1/pairings/assign/", data, content_type="application/json")
        assert response.status_code == 200

    old, new = Pairing.objects.filter(household=household).order_by("id")
    assert old.end_date == timezone.localdate() - dt.timedelta(days=1)
    assert (new.cadre, new.start_date, new.end_date) == (group["b"], timezone.localdate(), None)


def test_api_pairings_assign_and_read(client, group):
    give_role(group["leader"].user, Role.GROUP_LEADER)
    client.force_login(group["leader"].user)
    household = group["households"]["a"][0]
    response = client.post(
        "/api/v1/pairings/assign/",
        {"cadre": group["b"].pk, "households": [household.pk]},
        content_type="application/json",
    )
    assert response.json() == {"assigned": 0, "reassigned": 1, "unchanged": 0}
    rows = client.get("/api/v1/pairings/", {"household": household.pk}).json()["results"]
    assert len(rows) == 2
    assert client.get("/api/v1/workgroups/").json()["count"] == 1
    assert client.get("/api/v1/cadres/").json()["count"] == 3
    client.force_login(group["a"].user)
    denied = client.post(
        "/api/v1/pairings/assign/",
        {"cadre": group["a"].pk, "households": [household.pk]},
        content_type="application/json",
    )
    assert denied.status_code == 403
