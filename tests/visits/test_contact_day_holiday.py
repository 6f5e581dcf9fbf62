"""A contact day never falls on a holiday unnoticed (issue 15, item 14). The days the system
generates skip the township's holidays by themselves (2026-10-07, 国庆节 → 2026-10-14); an admin
who moves a month onto a day off is warned with the next working Wednesday and must confirm, on
the page and in the admin alike (one rule: visits.contact_day.contact_day_holiday_check)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from core.models import AuditEntry
from liaison.roles import Role
from tests.factories import TownshipFactory
from visits.contact_day import (
    contact_day_off,
    contact_days_for,
    next_township_contact_day,
    township_contact_day,
    visit_kind_for,
)
from visits.models import ContactDay, Visit
from visits.reminders import reminders_due

HOLIDAY = dt.date(2026, 10, 7)  # a Wednesday in 国庆节 (the calendar seeded by issues' migration)
PROPOSED = dt.date(2026, 10, 14)
TZ = ZoneInfo("Asia/Shanghai")


def test_generated_contact_days_skip_holidays(db):
    township = TownshipFactory()
    assert contact_days_for([township], 2026, 10)[township.pk] == PROPOSED
    assert township_contact_day(township, 2026, 9) == dt.date(2026, 9, 2)  # a working Wednesday
    assert next_township_contact_day(township, dt.date(2026, 10, 2)) == PROPOSED
    # the visit type and the reminders follow the day actually held
    assert visit_kind_for(township, PROPOSED) == Visit.Kind.CONTACT_DAY
    assert visit_kind_for(township, HOLIDAY) != Visit.Kind.CONTACT_DAY
    assert [d.kind for d in reminders_due(on=PROPOSED)] == ["morning"]
    assert reminders_due(on=HOLIDAY, kinds=("morning",)) == []


def test_an_admins_override_is_kept_as_it_is(db):
    township = TownshipFactory()
    ContactDay.objects.create(township=township, year=2026, month=10, date=HOLIDAY)
    assert township_contact_day(township, 2026, 10) == HOLIDAY


def test_days_off_are_holidays_and_plain_weekends_not_make_up_days(db):
    assert contact_day_off(HOLIDAY).proposed == PROPOSED
    assert contact_day_off(HOLIDAY).name == "国庆节"
    saturday = contact_day_off(dt.date(2026, 11, 7))
    assert (saturday.name, saturday.proposed) == ("星期六", dt.date(2026, 11, 11))
    assert contact_day_off(dt.date(2026, 10, 10)) is None  # 国庆节调休上班 (a Saturday)
    assert contact_day_off(dt.date(2026, 10, 21)) is None


def test_a_township_that_meets_on_saturdays_is_not_warned_every_month(db):
    saturdays = TownshipFactory(contact_day_weekday=5)
    assert township_contact_day(saturdays, 2026, 11) == dt.date(2026, 11, 7)
    assert contact_day_off(dt.date(2026, 11, 7), township=saturdays) is None
    # its October Saturday (the 3rd) is in 国庆节: the next working Saturday is the make-up day
    assert township_contact_day(saturdays, 2026, 10) == dt.date(2026, 10, 10)


@pytest.fixture
def admin(group, make_user):
    user = make_user(Role.ADMIN, township=group["workgroup"].township, workgroup=None)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def _door(door, township):
    url = {"page": reverse("liaison:contact-days"), "admin": reverse("admin:visits_contactday_add")}
    data = {"year": 2026, "month": 10, "date": HOLIDAY.isoformat(), "reason": "国庆假期"}
    if door == "admin":
        data["township"] = township.pk
    return url[door], data


@pytest.mark.parametrize("door", ["page", "admin"])
def test_a_holiday_is_refused_with_the_proposal_until_confirmed_on_every_door(
    client, group, admin, door
):
    township = group["workgroup"].township
    url, data = _door(door, township)
    client.force_login(admin)

    warned = client.post(url, data)
    assert warned.status_code == 200 and not ContactDay.objects.exists()
    body = warned.content.decode()
    assert "2026-10-07 是国庆节" in body and "2026-10-14" in body

    assert client.post(url, {**data, "confirm_holiday": "on"}).status_code == 302
    moved = ContactDay.objects.get()
    assert moved.date == HOLIDAY
    assert AuditEntry.objects.filter(object_id=str(moved.pk), actor=admin).exists()


def test_the_page_offers_the_next_working_wednesday(client, group, admin):
    township = group["workgroup"].township
    url, data = _door("page", township)
    client.force_login(admin)
    body = client.post(url, data).content.decode()
    warning = body.split('data-testid="holiday-warning"')[1].split('data-testid="override-form"')[0]
    assert 'name="date" value="2026-10-14"' in warning and "改用 2026-10-14" in warning
    assert 'data-testid="confirm-holiday"' in body
    # taking the proposal saves it with no confirmation needed
    assert client.post(url, {**data, "date": PROPOSED.isoformat()}).status_code == 302
    assert ContactDay.objects.get().date == PROPOSED


def test_a_working_day_needs_no_confirmation(client, group, admin):
    client.force_login(admin)
    url, data = _door("page", group["workgroup"].township)
    response = client.post(url, {**data, "date": "2026-10-10"})  # the make-up Saturday
    assert response.status_code == 302


def test_the_schedule_says_which_months_were_moved_off_a_holiday(client, group, admin):
    client.force_login(admin)
    with time_machine.travel(dt.datetime(2026, 9, 15, 10, 0, tzinfo=TZ), tick=False):
        body = client.get(reverse("liaison:contact-days")).content.decode()
    october = body.split('data-month="2026-10"')[1].split("</tr>")[0]
    assert "2026-10-14" in october and 'data-testid="skipped"' in october and "国庆节" in october
    september = body.split('data-month="2026-09"')[1].split("</tr>")[0]
    assert 'data-testid="skipped"' not in september
