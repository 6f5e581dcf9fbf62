"""Issue 17 item 7: building a contact day's reminders and delivering them take the same number of
queries for 20 cadres as for 200 (SQLite pass and PostgreSQL pass alike); an external channel
adds exactly two per message (its claim and its sent mark), nothing that grows otherwise."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core.models import Delivery, Notification
from households.models import Household
from liaison.models import Cadre, Pairing
from tests.factories import WorkGroupFactory
from visits import reminders
from visits.models import ReminderDelivery

CONTACT_DAY = dt.date(2025, 5, 7)  # the first Wednesday of May 2025: the default contact day
INAPP = ["core.notifications.inapp.InAppBackend"]
INAPP_AND_EMAIL = [*INAPP, "core.notifications.email.EmailBackend"]
pytestmark = pytest.mark.django_db


class World:
    """One township: a work group whose leader is a cadre, and cadres with two unvisited
    households each, added in bulk (the test measures the reminders, not the set-up)."""

    def __init__(self):
        self.workgroup = WorkGroupFactory()
        self.township = self.workgroup.township
        self.cadres = 0
        self.add(1)
        self.workgroup.leader = Cadre.objects.get(township=self.township)
        self.workgroup.save(update_fields=["leader"])

    def add(self, n: int) -> None:
        users = get_user_model().objects.bulk_create(
            get_user_model()(
                username=f"q{self.cadres + i}", password="!", email=f"q{self.cadres + i}@example.cn"
            )
            for i in range(n)
        )
        cadres = Cadre.objects.bulk_create(
            Cadre(
                user=u, township=self.township, workgroup=self.workgroup, name=f"干部{u.username}"
            )
            for u in users
        )
        households = Household.objects.bulk_create(
            Household(
                township=self.township,
                village=self.workgroup.village,
                code=f"Q{2 * self.cadres + i:06d}",
                head_name=f"户主{i}",
                address=f"幸福路{i}号",
            )
            for i in range(2 * n)
        )
        Pairing.objects.bulk_create(
            Pairing(cadre=cadres[i // 2], household=h, start_date=dt.date(2024, 1, 1))
            for i, h in enumerate(households)
        )
        self.cadres += n

    def grow_to(self, n: int) -> None:
        self.add(n - self.cadres)

    def reset(self) -> None:
        ReminderDelivery.objects.all().delete()
        Notification.objects.all().delete()
        Delivery.objects.all().delete()
        mail.outbox.clear()


def count(fn) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    return len(ctx), result


def build(day: dt.date, kind: str):
    def run():
        with transaction.atomic():
            return reminders.reminders_enqueue(on=day, kinds=(kind,))

    return count(run)


def deliver_all(world: World, run) -> tuple[int, int]:
    """Run every delivery task the build enqueued (each lane's share), counting the queries."""
    due = run.due[0]
    shares = reminders.selections(
        contact_day=due.contact_day,
        kind=due.kind,
        township_id=world.township.pk,
        pending=len(run.pending_ids),
    )
    assert len(shares) == run.tasks
    total = rang = 0
    for share in shares:
        queries, n = count(lambda share=share: reminders.reminders_deliver(selection=share))
        total += queries
        rang += n
    return total, rang


@pytest.mark.parametrize("chunk", [500, 5])  # one delivery task; the most lanes (4)
def test_the_morning_reminders_take_as_many_queries_for_200_cadres_as_for_20(
    settings, monkeypatch, chunk
):
    settings.NOTIFICATION_BACKENDS = INAPP
    monkeypatch.setattr(reminders, "CHUNK", chunk)
    world = World()
    measured = {}
    for n in (20, 200):
        world.grow_to(n)
        world.reset()
        # given n cadres with unvisited households, when the morning reminders are built,
        built, run = build(CONTACT_DAY, "morning")
        assert len(run.planned) == n and run.inserted == n
        # and delivered by the tasks the build enqueued,
        delivered, rang = deliver_all(world, run)
        assert rang == n == Notification.objects.count()
        assert not ReminderDelivery.objects.filter(sent_at__isnull=True).exists()
        measured[n] = (built, run.tasks, delivered)
    # then the build, the number of tasks and the delivery cost the same for 20 and 200 cadres.
    assert measured[20] == measured[200]
    assert measured[200][1] == (1 if chunk == 500 else reminders.max_lanes())
    assert measured[200][0] <= 12 + 6 * measured[200][1]
    assert measured[200][2] <= 6 * measured[200][1]


def test_the_digest_takes_as_many_queries_for_200_cadres_as_for_20(settings):
    settings.NOTIFICATION_BACKENDS = INAPP
    world = World()
    measured = {}
    for n in (20, 200):
        world.grow_to(n)
        world.reset()
        built, run = build(CONTACT_DAY + dt.timedelta(days=1), "digest")
        assert [r.cadre_id for r in run.planned] == [world.workgroup.leader_id]
        assert f"0/{2 * n}" in run.planned[0].payload["title"]
        delivered, rang = deliver_all(world, run)
        assert rang == 1
        measured[n] = (built, delivered)
    assert measured[20] == measured[200]


def test_an_external_channel_adds_exactly_two_queries_per_message(settings):
    settings.NOTIFICATION_BACKENDS = INAPP_AND_EMAIL
    world = World()
    measured = {}
    for n in (20, 200):
        world.grow_to(n)
        world.reset()
        _built, run = build(CONTACT_DAY, "morning")
        delivered, rang = deliver_all(world, run)
        assert rang == n and len(mail.outbox) == n
        assert set(Delivery.objects.values_list("state", flat=True)) == {"sent"}
        measured[n] = delivered
    # the bell and the delivery records cost the same; each e-mail is its claim and its mark
    assert measured[200] - measured[20] == 2 * (200 - 20)


def test_a_redelivered_share_claims_nothing_and_rings_no_bell_twice(settings):
    settings.NOTIFICATION_BACKENDS = INAPP_AND_EMAIL
    world = World()
    world.grow_to(20)
    _built, run = build(CONTACT_DAY, "morning")
    deliver_all(world, run)
    again, rang = deliver_all(world, run)
    assert rang == 0 and Notification.objects.count() == 20 and len(mail.outbox) == 20
    assert again <= 6  # the claim that wins nothing, and one read of the share's open deliveries
