"""A visit's date and its 24-hour lock, one rule on every door (issue 15, item 8).

Given a cadre paired with a household, when a date is sent through the page form, the API (token),
the offline sync endpoint or the admin, then it is refused with a field error on `visited_on` if
it lies in the future, before the back-dating window (settings.VISIT_BACKDATE_DAYS) or outside
the pairing's period; and an entry is editable only by its author within 24 hours of writing it,
whatever door wrote it (rows that did not come through the diary are locked from the start)."""

import datetime as dt
import re
import uuid

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from liaison.roles import Role
from tests.factories import PairingFactory
from visits import services
from visits.access import may_edit_visit
from visits.models import Visit

DOORS = ["page", "api", "sync", "admin"]
TODAY = timezone.localdate


@pytest.fixture
def paired(make_user):
    """A cadre who is also the township's admin (so the admin site is one of their doors),
    paired with a household since 10 days ago, and with another one since 2024."""
    user = make_user(Role.CADRE, Role.ADMIN)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    recent = PairingFactory(cadre=user.cadre, start_date=TODAY() - dt.timedelta(days=10))
    old = PairingFactory(cadre=user.cadre, start_date=dt.date(2024, 1, 1))
    return {"user": user, "recent": recent.household, "old": old.household}


def log(user, household, **kw):
    data = {"actor": user, "household": household, "visited_on": TODAY(), "kind": "ad_hoc"}
    data.update(notes="家中一切正常", **kw)
    return services.visit_log(**data)


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def admin_form_data(client, visit) -> dict:
    """The admin change form's fields as rendered (with its inlines' management forms)."""
    response = client.get(reverse("admin:visits_visit_change", args=[visit.pk]))
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
    return data


def send(door, client, household, visited_on: dt.date, *, visit=None):
    """Send a visit with this date through `door`; (status code, error text on visited_on)."""
    day = visited_on.isoformat()
    if door == "page":
        response = client.post(
            reverse("liaison:visit-new"),
            {"household": household.pk, "visited_on": day, "kind": "ad_hoc", "notes": "补记"},
        )
        errors = response.context["form"].errors.get("visited_on") if response.context else None
        return response.status_code, " ".join(errors or [])
    if door in ("api", "sync"):
        body = {"household": household.pk, "visited_on": day, "kind": "ad_hoc", "notes": "补记"}
        if door == "sync":
            body.update(client_uuid=str(uuid.uuid4()), captured_at=timezone.now().isoformat())
        response = client.post("/api/v1/visits/", body, format="json")
        errors = response.json().get("visited_on", []) if response.status_code == 400 else []
        return response.status_code, " ".join(errors)
    data = {**admin_form_data(client, visit), "visited_on": day}
    response = client.post(reverse("admin:visits_visit_change", args=[visit.pk]), data)
    errors = response.context["adminform"].form.errors if response.status_code == 200 else {}
    return response.status_code, " ".join(errors.get("visited_on", []))


def door_client(door, user, client):
    if door in ("api", "sync"):
        return token_client(user)
    client.force_login(user)
    return client


@pytest.mark.parametrize("door", DOORS)
def test_a_1999_date_is_a_field_error_on_every_door(door, paired, client):
    user, household = paired["user"], paired["old"]
    visit = log(user, household) if door == "admin" else None
    before = Visit.objects.count()

    status, error = send(
        door, door_client(door, user, client), household, dt.date(1999, 5, 1), visit=visit
    )

    assert status in (200, 400) and "只能补记 30 天内的走访" in error
    assert Visit.objects.count() == before
    assert not Visit.objects.filter(visited_on=dt.date(1999, 5, 1)).exists()


@pytest.mark.parametrize("door", DOORS)
def test_a_date_before_the_pairing_began_is_a_field_error_on_every_door(door, paired, client):
    user, household = paired["user"], paired["recent"]
    visit = log(user, household) if door == "admin" else None
    before_pairing = TODAY() - dt.timedelta(days=15)  # inside the window, before the pairing

    status, error = send(
        door, door_client(door, user, client), household, before_pairing, visit=visit
    )

    assert status in (200, 400) and "走访日期不在您与该户的结对期间内" in error
    assert not Visit.objects.filter(visited_on=before_pairing).exists()


@pytest.mark.parametrize("door", DOORS)
def test_a_date_inside_the_window_and_the_pairing_is_accepted_on_every_door(door, paired, client):
    user, household = paired["user"], paired["old"]
    visit = log(user, household) if door == "admin" else None
    back_dated = TODAY() - dt.timedelta(days=30)

    status, error = send(door, door_client(door, user, client), household, back_dated, visit=visit)

    assert status in (201, 302) and error == ""
    assert Visit.objects.filter(visited_on=back_dated, household=household).count() == 1


def test_the_window_is_a_setting(paired, settings):
    settings.VISIT_BACKDATE_DAYS = 7
    with pytest.raises(ValidationError, match="只能补记 7 天内的走访"):
        log(paired["user"], paired["old"], visited_on=TODAY() - dt.timedelta(days=8))
    assert log(paired["user"], paired["old"], visited_on=TODAY() - dt.timedelta(days=7))


def test_a_date_after_the_pairing_ended_is_refused(paired):
    """An edit may not move a visit past the end of the pairing (the household was handed
    over since), nor before its start."""
    user, household = paired["user"], paired["old"]
    visit = log(user, household)
    household.pairings.update(end_date=TODAY() - dt.timedelta(days=3))
    with pytest.raises(ValidationError, match="结对期间内（2024-01-01 至"):
        services.visit_update(actor=user, visit=visit, visited_on=TODAY() - dt.timedelta(days=1))
    services.visit_update(actor=user, visit=visit, visited_on=TODAY() - dt.timedelta(days=4))


def test_an_api_edit_to_1999_is_a_field_error_and_one_without_the_date_keeps_it(paired):
    user = paired["user"]
    visit = log(user, paired["old"], visited_on=TODAY() - dt.timedelta(days=3))
    client = token_client(user)
    url = f"/api/v1/visits/{visit.pk}/"

    refused = client.patch(url, {"visited_on": "1999-05-01"}, format="json")
    kept = client.patch(url, {"notes": "补充"}, format="json")

    assert refused.status_code == 400 and "只能补记" in refused.json()["visited_on"][0]
    assert kept.status_code == 200 and kept.json()["visited_on"] == visit.visited_on.isoformat()


# --- The edit page keeps its date ---------------------------------------------------------------
def test_the_edit_page_carries_the_iso_date_and_saves_untouched(paired, client):
    user = paired["user"]
    visit = log(user, paired["old"], visited_on=TODAY() - dt.timedelta(days=2))
    client.force_login(user)

    page = client.get(reverse("liaison:visit-edit", args=[visit.pk])).content.decode()

    field = re.search(r'<input type="date" name="visited_on" value="([^"]*)"', page)
    assert field and field.group(1) == visit.visited_on.isoformat()  # not 2026/11/28
    response = client.post(
        reverse("liaison:visit-edit", args=[visit.pk]),
        {"visited_on": field.group(1), "kind": "ad_hoc", "notes": "补充：已联系村里"},
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.notes == "补充：已联系村里" and visit.visited_on == TODAY() - dt.timedelta(days=2)


def test_the_edit_page_refuses_a_new_1999_date_with_a_field_error(paired, client):
    user = paired["user"]
    visit = log(user, paired["old"])
    client.force_login(user)
    response = client.post(
        reverse("liaison:visit-edit", args=[visit.pk]),
        {"visited_on": "1999-01-01", "kind": "ad_hoc", "notes": "改"},
    )
    assert response.status_code == 200
    assert "只能补记 30 天内的走访" in " ".join(response.context["form"].errors["visited_on"])
    visit.refresh_from_db()
    assert visit.visited_on == TODAY()


def test_a_date_left_as_it_was_stays_valid_the_next_day(paired, client):
    """Logged at 23:30 at the edge of the window, edited the next morning without touching the
    date: the save succeeds (the window is checked only for a new date)."""
    user = paired["user"]
    evening = dt.datetime(2026, 3, 10, 15, 30, tzinfo=dt.UTC)  # 23:30 in Shanghai
    with time_machine.travel(evening, tick=False):
        visit = log(user, paired["old"], visited_on=dt.date(2026, 2, 8))  # 30 days back
    with time_machine.travel(evening + dt.timedelta(hours=10), tick=False):
        client.force_login(user)
        response = client.post(
            reverse("liaison:visit-edit", args=[visit.pk]),
            {"visited_on": "2026-02-08", "kind": "ad_hoc", "notes": "次日补充"},
        )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.notes == "次日补充" and visit.visited_on == dt.date(2026, 2, 8)


# --- The 24-hour lock holds for every visit -------------------------------------------------
def test_a_visit_not_written_in_the_diary_is_locked_from_the_start(paired, client):
    """Rows the demo seeder or a migration wrote (no `recorded_at`) are locked on every door,
    even for their cadre and within 24 hours of being stored."""
    user = paired["user"]
    seeded = Visit.objects.create(
        cadre=user.cadre, household=paired["old"], visited_on=dt.date(2026, 1, 7), notes="种子"
    )
    assert not may_edit_visit(user, seeded)
    with pytest.raises(PermissionDenied):
        services.visit_update(actor=user, visit=seeded, notes="改")

    client.force_login(user)
    page = client.post(
        reverse("liaison:visit-edit", args=[seeded.pk]),
        {"visited_on": "2026-01-07", "kind": "ad_hoc", "notes": "改"},
    )
    assert page.status_code == 302  # back to the entry, with the lock message
    api = token_client(user).patch(f"/api/v1/visits/{seeded.pk}/", {"notes": "改"}, format="json")
    assert api.status_code == 403
    admin = client.post(reverse("admin:visits_visit_change", args=[seeded.pk]), {"notes": "改"})
    assert admin.status_code == 403
    seeded.refresh_from_db()
    assert seeded.notes == "种子"


def test_every_diary_door_opens_24_hours_from_when_the_entry_was_written(paired):
    user, household = paired["user"], paired["old"]
    start = dt.datetime(2026, 3, 10, 1, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        page = log(user, household)
        synced_late = token_client(user).post(
            "/api/v1/visits/",
            {
                "household": household.pk,
                "visited_on": "2026-03-08",
                "notes": "离线两天后才上传",
                "client_uuid": str(uuid.uuid4()),
                "captured_at": (start - dt.timedelta(hours=25)).isoformat(),
            },
            format="json",
        )
    assert synced_late.status_code == 201
    synced = Visit.objects.get(pk=synced_late.json()["id"])
    assert page.recorded_at == start
    assert synced.recorded_at == start - dt.timedelta(hours=25)
    with time_machine.travel(start + dt.timedelta(hours=1), tick=False):
        assert may_edit_visit(user, page)
        assert not may_edit_visit(user, synced)  # written on the phone 26 hours ago
    with time_machine.travel(start + dt.timedelta(hours=24), tick=False):
        assert not may_edit_visit(user, page)


def test_the_admin_adds_no_visit_and_changes_only_its_own_open_entry(paired, make_user, client):
    user = paired["user"]
    visit = log(user, paired["old"])
    other_admin = make_user(Role.ADMIN, township=user.cadre.township, workgroup=None)
    other_admin.is_staff = True
    other_admin.save(update_fields=["is_staff"])

    client.force_login(other_admin)
    assert client.get(reverse("admin:visits_visit_add")).status_code == 403
    change = reverse("admin:visits_visit_change", args=[visit.pk])
    assert client.get(change).status_code == 200  # read only
    assert client.post(change, {"notes": "别人改"}).status_code == 403

    client.force_login(user)
    data = {**admin_form_data(client, visit), "notes": "作者在后台补充"}
    assert client.post(change, data).status_code == 302
    visit.refresh_from_db()
    assert visit.notes == "作者在后台补充"
