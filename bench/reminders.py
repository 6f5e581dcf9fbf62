"""Benchmark the contact-day reminders (not a test).

    DJANGO_SECRET_KEY=x .venv/bin/python bench/reminders.py [--households 100000] [--cadres 12000]

On the configured database (DATABASE_URL; a fresh temporary SQLite file when unset; for
PostgreSQL use a private, empty database such as postgres://postgres@127.0.0.1:5432/bench_reminders)
it creates one township of 15 villages, the cadres (each with a user) and the households (all
paired, ~40% visited this month), then
  1. computes the morning-of-contact-day reminders, stores them under their unique key and
     enqueues the delivery tasks (the tasks are captured, not run): seconds and queries;
  2. runs the same again (the idempotent second run): seconds and queries;
  3. delivers every enqueued chunk in process with the in-app backend: seconds and queries.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TMP = Path(tempfile.mkdtemp(prefix="lianxin-bench-"))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{TMP / 'bench.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "insecure-bench")
os.environ["NOTIFICATION_BACKENDS"] = "core.notifications.inapp.InAppBackend"

BATCH = 5000
CONTACT_DAY = dt.date(2025, 5, 7)


def build(households: int, cadres: int) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from households.models import Household
    from liaison.models import Cadre, Pairing, Township, Village, WorkGroup
    from visits.models import Visit

    rng = random.Random(1)
    township = Township.objects.create(name="基准乡", code="bench")
    villages = Village.objects.bulk_create(
        Village(township=township, name=f"村{i:02d}", code=f"V{i:02d}") for i in range(15)
    )
    villages = list(Village.objects.filter(township=township).order_by("code"))
    WorkGroup.objects.bulk_create(
        WorkGroup(township=township, village=v, name=f"{v.name}工作组") for v in villages
    )
    groups = list(WorkGroup.objects.filter(township=township).order_by("name"))
    User = get_user_model()
    User.objects.bulk_create(
        (User(username=f"bench{i}", password="!", email=f"b{i}@example.cn") for i in range(cadres)),
        batch_size=BATCH,
    )
    users = list(
        User.objects.filter(username__startswith="bench")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    cadre_group = Group.objects.get(name="cadre")
    User.groups.through.objects.bulk_create(
        (User.groups.through(user_id=u, group_id=cadre_group.pk) for u in users), batch_size=BATCH
    )
    Cadre.objects.bulk_create(
        (
            Cadre(user_id=u, township=township, name=f"干部{i}", phone=f"139{i:08d}",
                  workgroup=groups[i % len(groups)])
            for i, u in enumerate(users)
        ),
        batch_size=BATCH,
    )  # fmt: skip
    cadre_rows = list(
        Cadre.objects.filter(township=township).order_by("pk").values_list("pk", "workgroup_id")
    )
    Household.objects.bulk_create(
        (
            Household(township=township, village=villages[i % 15], code=f"H{i:06d}",
                      address=f"幸福路{i}号", head_name=f"户主{i}", phone=f"138{i:08d}")
            for i in range(households)
        ),
        batch_size=BATCH,
    )  # fmt: skip
    household_ids = list(
        Household.objects.filter(township=township).order_by("pk").values_list("pk", flat=True)
    )
    pairs = [(cadre_rows[i % len(cadre_rows)][0], h) for i, h in enumerate(household_ids)]
    Pairing.objects.bulk_create(
        (Pairing(cadre_id=c, household_id=h, start_date=dt.date(2024, 1, 1)) for c, h in pairs),
        batch_size=BATCH,
    )
    Visit.objects.bulk_create(
        (
            Visit(cadre_id=c, household_id=h, visited_on=CONTACT_DAY - dt.timedelta(days=rng.randint(0, 6)),
                  kind="ad_hoc", notes="走访")
            for c, h in pairs
            if rng.random() < 0.4
        ),
        batch_size=BATCH,
    )  # fmt: skip


def measured(label: str, fn):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - start
    print(f"{label:<44} {seconds:8.2f} s   {len(ctx):6d} queries")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--cadres", type=int, default=12_000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from core.models import Notification
    from visits import tasks
    from visits.models import ReminderDelivery
    from visits.reminders import reminders_deliver, reminders_enqueue

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    start = time.perf_counter()
    build(args.households, args.cadres)
    print(f"{'setup (bulk insert)':<44} {time.perf_counter() - start:8.2f} s")

    enqueued: list[list[int]] = []
    tasks.deliver_reminders.delay = lambda ids: enqueued.append(ids)

    def run():
        with transaction.atomic():
            return reminders_enqueue(on=CONTACT_DAY, kinds=("morning",))

    first = measured("compute + store + enqueue (first run)", run)
    print(f"  reminders: {len(first.planned)}, inserted {first.inserted}, tasks {len(enqueued)}")
    second = measured("compute + enqueue again (idempotent run)", run)
    print(f"  inserted {second.inserted}, still pending {len(second.pending_ids)}")
    chunks = list(enqueued)

    def deliver():
        return sum(reminders_deliver(delivery_ids=ids) for ids in chunks)

    sent = measured("deliver all chunks (in-app backend)", deliver)
    sent_again = reminders_deliver(delivery_ids=chunks[0]) if chunks else 0
    print(f"  sent {sent}, notifications {Notification.objects.count()}, "
          f"unsent {ReminderDelivery.objects.filter(sent_at__isnull=True).count()}, "
          f"redelivered chunk sent {sent_again}")  # fmt: skip


if __name__ == "__main__":
    main()
