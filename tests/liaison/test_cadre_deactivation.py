"""A cadre taken off duty (停用) hands their households over, or leaves them unpaired on the group
leader's worklist — by one rule (`liaison.accounts.cadre_deactivate`) on every door: the
organisation page, the cadre admin, the user admin (an account switched off) and the API
(issue 15, item 13)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry
from dashboard.worklist import worklist_for
from liaison import accounts
from liaison.models import Cadre, Pairing
from liaison.roles import Role
from tests.factories import CadreFactory, PairingFactory, WorkGroupFactory
from visits.contact_day import township_contact_day
from visits.reminders import reminders_enqueue

DOORS = ["page", "cadre-admin", "user-admin", "api"]


@pytest.fixture
def admin_user(group, make_user):
    admin = make_user(Role.ADMIN, township=group["workgroup"].township, workgroup=None)
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    return admin


def _form_data(response) -> dict:
    """What the admin change form would post back unchanged (its fields and inline forms)."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or name in ("password", "last_login", "date_joined"):
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        else:
            data[name] = str(value)
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
    return data


def _deactivate(client, door, actor, cadre, successor=None):
    """Take `cadre` off duty through `door`; returns the response."""
    client.force_login(actor)
    if door == "page":
        url = reverse("liaison:cadre-deactivate", args=[cadre.pk])
        return client.post(url, {"successor": successor.pk if successor else ""})
    if door == "api":
        return client.post(
            f"/api/v1/cadres/{cadre.pk}/deactivate/",
            {"successor": successor.pk if successor else None},
            content_type="application/json",
        )
    if door == "cadre-admin":
        url = reverse("admin:liaison_cadre_change", args=[cadre.pk])
    else:
        url = reverse("admin:auth_user_change", args=[cadre.user.pk])
    data = _form_data(client.get(url))
    data.pop("is_active")
    data["successor"] = str(successor.pk) if successor else ""
    return client.post(url, data)


@pytest.mark.parametrize("door", DOORS)
def test_every_door_hands_the_households_to_the_successor(client, group, admin_user, door):
    a, b = group["a"], group["b"]
    households = {h.pk for h in group["households"]["a"]}

    response = _deactivate(client, door, admin_user, a, successor=b)

    assert response.status_code in (200, 302), response.content[:500]
    a.refresh_from_db()
    assert a.is_active is False
    assert not Pairing.objects.current().filter(cadre=a).exists()
    held = set(Pairing.objects.current().filter(cadre=b).values_list("household_id", flat=True))
    assert households <= held
    assert Pairing.objects.filter(cadre=a, end_date__isnull=False).count() == 3  # history kept
    entry = AuditEntry.objects.get(object_id=str(a.pk), summary__startswith="停用干部")
    assert entry.actor == admin_user and "3 户交接给 干部乙" in entry.summary


@pytest.mark.parametrize("door", DOORS)
def test_with_no_successor_the_households_wait_on_the_group_leaders_worklist(
    client, group, admin_user, door
):
    a, leader = group["a"], group["leader"]
    households = group["households"]["a"]

    _deactivate(client, door, admin_user, a)

    a.refresh_from_db()
    assert a.is_active is False
    assert not Pairing.objects.current().filter(household__in=households).exists()
    # not silently orphaned: the group leader's home lists them, with a way to re-pair
    client.force_login(leader.user)
    home = client.get(reverse("home")).content.decode()
    section = home.split('data-section="unpaired"')[1].split('data-section="')[0]
    assert 'data-count="unpaired">3<' in section
    for household in households:
        assert f'data-household="{household.pk}"' in section
        assert f"?unpaired=1&amp;q={household.code}" in section
    listed = client.get(reverse("liaison:pairings"), {"unpaired": "1"}).content.decode()
    assert all(h.code in listed for h in households)


def test_the_form_says_how_many_households_and_offers_only_the_groups_cadres(
    client, group, admin_user
):
    a, b = group["a"], group["b"]
    elsewhere = CadreFactory(township=a.township, workgroup=WorkGroupFactory(township=a.township))
    client.force_login(admin_user)
    page = client.get(reverse("liaison:cadre-deactivate", args=[a.pk])).content.decode()
    assert 'data-testid="affected-count">3<' in page
    assert f'<option value="{b.pk}"' in page and "现联系 2 户" in page
    assert f'<option value="{elsewhere.pk}"' not in page
    assert f'<option value="{a.pk}"' not in page
    admin_page = client.get(reverse("admin:liaison_cadre_change", args=[a.pk])).content.decode()
    assert "该干部现有 3 户结对户" in admin_page
    user_page = client.get(reverse("admin:auth_user_change", args=[a.user.pk])).content.decode()
    assert "该干部现有 3 户结对户" in user_page
    organisation = client.get(reverse("liaison:organisation")).content.decode()
    assert reverse("liaison:cadre-deactivate", args=[a.pk]) in organisation


@pytest.mark.parametrize("door", ["page", "api"])
def test_a_successor_from_another_group_is_refused_on_every_door(client, group, admin_user, door):
    a = group["a"]
    elsewhere = CadreFactory(township=a.township, workgroup=WorkGroupFactory(township=a.township))
    response = _deactivate(client, door, admin_user, a, successor=elsewhere)
    assert response.status_code in (200, 400)
    a.refresh_from_db()
    assert a.is_active is True
    assert Pairing.objects.current().filter(cadre=a).count() == 3


def test_the_rule_itself(group, admin_user):
    a, b, leader = group["a"], group["b"], group["leader"]
    with pytest.raises(PermissionDenied):
        accounts.cadre_deactivate(actor=leader.user, cadre=a)  # a group leader may not
    with pytest.raises(PermissionDenied):
        accounts.cadre_deactivate(actor=b.user, cadre=a)
    with pytest.raises(ValidationError):
        accounts.cadre_deactivate(actor=admin_user, cadre=a, successor=a)
    b.is_active = False
    b.save(update_fields=["is_active"])
    with pytest.raises(ValidationError):  # a successor must be on duty
        accounts.cadre_deactivate(actor=admin_user, cadre=a, successor=b)
    Pairing.objects.filter(cadre=a).update(start_date=dt.date(2025, 1, 1))
    done = accounts.cadre_deactivate(actor=admin_user, cadre=a, successor=leader)
    assert (done.handed_over, done.unpaired) == (3, 0)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    assert set(Pairing.objects.filter(cadre=a).values_list("end_date", flat=True)) == {yesterday}
    assert set(Pairing.objects.filter(cadre=leader).values_list("start_date", flat=True)) == {
        timezone.localdate()
    }


def test_the_api_refuses_those_who_may_not(client, group, admin_user):
    a = group["a"]
    client.force_login(group["leader"].user)  # sees the cadre, may not take them off duty
    denied = client.post(f"/api/v1/cadres/{a.pk}/deactivate/", {}, content_type="application/json")
    assert denied.status_code == 403
    client.force_login(admin_user)
    unknown = client.post(
        f"/api/v1/cadres/{a.pk}/deactivate/", {"successor": 999999}, content_type="application/json"
    )
    assert unknown.status_code == 400 and "successor" in unknown.json()
    other = Cadre.objects.exclude(township=a.township).first() or CadreFactory()
    assert (
        client.post(
            f"/api/v1/cadres/{other.pk}/deactivate/", {}, content_type="application/json"
        ).status_code
        == 404
    )
    assert Cadre.objects.get(pk=a.pk).is_active


def test_a_deactivated_cadre_gets_no_reminders_and_their_households_are_listed(
    client, group, admin_user
):
    a, leader = group["a"], group["leader"]
    township = a.township
    today = timezone.localdate()
    contact_day = township_contact_day(township, today.year, today.month)

    _deactivate(client, "user-admin", admin_user, a)

    a.user.refresh_from_db()
    assert a.user.is_active is False
    run = reminders_enqueue(on=contact_day, dry_run=True)
    assert a.pk not in [r.cadre_id for r in run.planned]
    sections = {s.code: s for s in worklist_for(leader.user)}
    assert sections["unpaired"].total == 3
    listed = {h.pk for h in sections["unpaired"].households}
    assert listed == {h.pk for h in group["households"]["a"]}


def test_households_of_a_cadre_switched_off_before_the_rule_are_listed_too(group):
    """Data from before this rule: an inactive cadre who still holds pairings."""
    a, leader = group["a"], group["leader"]
    Cadre.objects.filter(pk=a.pk).update(is_active=False)
    sections = {s.code: s for s in worklist_for(leader.user)}
    assert sections["unpaired"].total == 3
    assert "unpaired" not in {s.code for s in worklist_for(group["b"].user)}  # a plain cadre


def test_no_unpaired_section_when_every_household_has_a_cadre(group):
    PairingFactory(cadre=group["b"])
    assert "unpaired" not in {s.code for s in worklist_for(group["leader"].user)}


def test_the_cadre_admin_offers_no_delete(client, group, admin_user):
    """A cadre with pairings and visits is taken off duty, never deleted (the delete page would
    have hit the database's protection of their pairings: a 500)."""
    a = CadreFactory(workgroup=group["workgroup"], name="干部甲")
    PairingFactory(cadre=a)
    client.force_login(admin_user)
    assert client.get(reverse("admin:liaison_cadre_delete", args=[a.pk])).status_code == 403
    page = client.get(reverse("admin:liaison_cadre_change", args=[a.pk])).content.decode()
    assert reverse("admin:liaison_cadre_delete", args=[a.pk]) not in page
    assert Cadre.objects.filter(pk=a.pk).exists()
