"""Benchmark the leader's dashboard at city scale (not a test).

    createdb -h 127.0.0.1 -U postgres bench_dashboard
    DJANGO_SECRET_KEY=x DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_dashboard \\
        .venv/bin/python bench/dashboard.py [--sizes 10000,100000,1000000] [--repeat 30]

Builds one township like the model one (15 villages and work groups, 5 committees, 885 cadres,
7,601 paired households), then grows the issues (and as many visits) to each size with
INSERT … SELECT generate_series — spread evenly over the last three years, a realistic mix of
statuses (open issues are recent ones), outcomes, satisfaction, late contacts and overdue
issues — runs VACUUM ANALYZE and the roll-up (rebuilt every quarter hour in production), and
requests the dashboard as the township leader with Django's test Client, for this month (the
default view), this quarter and this year. Then it changes 50 issues of the last 60 days (what a
township does in a quarter hour, and more), so that the months and days holding them are counted
live until the next roll-up, and measures again. Prints p50 / p95 in milliseconds and the query
count of each.
Use a private, empty database: the script creates its own township and users there.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_dashboard")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

VILLAGES = 15
CADRES = 885
HOUSEHOLDS = 7601
BATCH = 5000
STATUSES = [  # (upper bound of (i*7919) % 100, status)
    (5, "reported"), (10, "triaged"), (20, "in_progress"), (25, "resolved"), (28, "explained"),
    (33, "replied"), (75, "rated"), (98, "archived"), (100, "merged"),
]  # fmt: skip
SOURCES = ["visit", "walk_in", "phone", "hotline", "wechat", "letter", "self_report", "visit"]


def build_org():
    """The township, its villages, groups, committees, cadres (with users), households and
    pairings; returns the leader user. Idempotent: reuses what an earlier run built."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from committees.models import Committee
    from households.models import Household
    from liaison.models import Cadre, Pairing, Township, Village, WorkGroup
    from visits.models import VisitCampaign

    User = get_user_model()  # noqa: N806
    existing = User.objects.filter(username="bench-leader").first()
    if existing is not None:
        return existing
    township = Township.objects.create(name="基准乡", code="bench")
    villages = Village.objects.bulk_create(
        Village(township=township, name=f"村{i:02d}", code=f"V{i:02d}") for i in range(VILLAGES)
    )
    groups = WorkGroup.objects.bulk_create(
        WorkGroup(township=township, village=v, name=f"{v.name}工作组") for v in villages
    )
    Committee.objects.bulk_create(
        Committee(township=township, code=code, name=str(label))
        for code, label in Committee.Code.choices
    )
    password = make_password("Passw0rd!x")
    User.objects.bulk_create(
        User(username=f"bench{i:04d}", password=password) for i in range(CADRES)
    )
    users = list(
        User.objects.filter(username__startswith="bench")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    group = Group.objects.get(name="cadre")
    User.groups.through.objects.bulk_create(
        User.groups.through(user_id=u, group_id=group.pk) for u in users
    )
    cadres = Cadre.objects.bulk_create(
        Cadre(user_id=u, township=township, name=f"干部{i}", phone=f"139{i:08d}",
              workgroup=groups[i % VILLAGES])
        for i, u in enumerate(users)
    )  # fmt: skip
    households = Household.objects.bulk_create(
        (
            Household(township=township, village=villages[k % VILLAGES], code=f"H{k:06d}",
                      address=f"幸福路{k}号", head_name=f"户主{k}", phone=f"138{k:08d}")
            for k in range(HOUSEHOLDS)
        ),
        batch_size=BATCH,
    )  # fmt: skip
    Pairing.objects.bulk_create(
        (
            Pairing(cadre=cadres[k % CADRES], household=h, start_date=dt.date(2023, 1, 1))
            for k, h in enumerate(households)
        ),
        batch_size=BATCH,
    )
    today = dt.date.today()  # noqa: DTZ011 - bench data
    VisitCampaign.objects.create(
        township=township, name="集中走访", start_date=today - dt.timedelta(days=20),
        end_date=today + dt.timedelta(days=10),
    )  # fmt: skip
    leader = User.objects.create(username="bench-leader", password=password)
    leader.groups.add(Group.objects.get(name="leader"))
    Cadre.objects.create(user=leader, township=township, name="乡领导")
    return leader


def _ids(model, **filters) -> tuple[int, int]:
    """First id and count, checking the ids are consecutive (the SQL below relies on it)."""
    ids = list(model.objects.filter(**filters).order_by("pk").values_list("pk", flat=True))
    assert ids[-1] - ids[0] + 1 == len(ids), f"{model.__name__} ids are not consecutive"
    return ids[0], len(ids)


def _insert_select(model, expressions: dict[str, str], first: int, last: int) -> str:
    """INSERT … SELECT over generate_series(first, last) AS i for every concrete column, with
    `expressions` for the interesting ones and neutral values for the rest."""
    from django.db import models

    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        column = field.column
        if column in expressions:
            value = expressions[column]
        elif field.null:
            value = "NULL"
        elif isinstance(field, models.BooleanField):
            value = "false"
        elif isinstance(field, models.IntegerField | models.FloatField | models.DecimalField):
            value = "0"
        elif isinstance(field, models.JSONField):
            value = "'{}'::jsonb"
        elif isinstance(field, models.DateTimeField):
            value = "now()"
        elif isinstance(field, models.DateField):
            value = "current_date"
        else:
            value = "''"
        columns.append(column)
        values.append(value)
    return (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM generate_series({first}::bigint, {last}::bigint) AS i"
    )


def grow(target: int) -> None:
    """Add issues (and as many visits) until the township holds `target` of each."""
    from django.db import connection

    from committees.models import Committee
    from households.models import Household
    from issues.models import Issue
    from liaison.models import Cadre, Township, Village
    from visits.models import Visit

    township = Township.objects.get(code="bench")
    have = Issue.objects.filter(township=township).count()
    if have >= target:
        return
    v0, _nv = _ids(Village, township=township)
    h0, nh = _ids(Household, township=township)
    c0, nc = _ids(Cadre, township=township, workgroup__isnull=False)
    k0, _nk = _ids(Committee, township=township)
    # a status bucket 0..99; issues older than 45 days are all closed (open ones are recent)
    r = "(CASE WHEN i % 1095 > 45 THEN 20 + (i * 7919) % 80 ELSE (i * 7919) % 100 END)"
    status = "CASE " + " ".join(f"WHEN {r} < {b} THEN '{s}'" for b, s in STATUSES) + " END"
    reported = "(now() - (i % 1095) * interval '1 day' - ((i * 37) % 86400) * interval '1 second')"
    is_open = f"({r} < 20)"
    closed = f"({r} >= 20 AND {r} < 98)"
    rated = f"({r} >= 33 AND {r} < 98)"
    s2 = "((i * 104729) % 100)"
    issue_sql = _insert_select(
        Issue,
        {
            "township_id": str(township.pk),
            "household_id": f"{h0} + (i % {nh})",
            "village_id": f"{v0} + ((i % {nh}) % {VILLAGES})",
            "committee_id": f"CASE WHEN {r} < 5 THEN NULL ELSE {k0} + (i % 5) END",
            "raised_by_id": f"{c0} + ((i % {nh}) % {nc})",
            "description": "'诉求' || i",
            "source": f"(ARRAY{SOURCES})[(1 + i % {len(SOURCES)})::int]",
            "urgency": "CASE WHEN i % 20 = 0 THEN 'urgent' ELSE 'normal' END",
            "status": status,
            "level": f"CASE WHEN {r} < 5 THEN '' ELSE (ARRAY['village','township','district'])"
            f"[(1 + i % 3)::int] END",
            "reported_at": reported,
            "contact_due_at": f"{reported} + interval '24 hours'",
            "first_contact_at": f"CASE WHEN {r} < 5 THEN NULL ELSE {reported} + (i % 30) * "
            "interval '1 hour' END",
            "due_at": f"{reported} + interval '7 days'",
            "is_overdue": f"{is_open} AND {s2} < 30",
            "overdue_since": f"CASE WHEN {is_open} AND {s2} < 30 THEN {reported} + "
            "interval '7 days' END",
            "outcome": f"CASE WHEN {closed} AND {r} % 7 = 0 THEN 'explained' WHEN {closed} THEN "
            "'resolved' ELSE '' END",
            "closed_at": f"CASE WHEN {closed} THEN {reported} + (i % 10) * interval '1 day' END",
            "satisfaction": f"CASE WHEN NOT {rated} THEN '' WHEN {s2} < 70 THEN 'satisfied' "
            f"WHEN {s2} < 88 THEN 'basic' ELSE 'unsatisfied' END",
            "rated_at": f"CASE WHEN {rated} THEN {reported} + interval '12 days' END",
        },
        have + 1,
        target,
    )
    visit_sql = _insert_select(
        Visit,
        {
            "cadre_id": f"{c0} + ((i % {nh}) % {nc})",
            "household_id": f"{h0} + (i % {nh})",
            "visited_on": "current_date - (i % 1095)::int",
            "kind": "'contact_day'",
            "notes": "'走访'",
        },
        have + 1,
        target,
    )
    with connection.cursor() as cursor:
        cursor.execute(issue_sql)
        cursor.execute(visit_sql)
        cursor.execute("VACUUM ANALYZE issues_issue")
        cursor.execute("VACUUM ANALYZE liaison_visit")
        cursor.execute("ANALYZE liaison_pairing")


def touch_recent(count: int) -> None:
    """Change `count` issues reported in the last 60 days, as cadres and staff do between two
    roll-ups (their months and days are then counted live)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE issues_issue SET updated_at = now(), urgency = 'urgent' WHERE id IN ("
            " SELECT id FROM issues_issue WHERE reported_at > now() - interval '60 days'"
            " ORDER BY md5(id::text) LIMIT %s)",
            [count],
        )


def measure(client, url: str, repeat: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):  # warm-up (connection, template loading, caches)
        assert client.get(url).status_code == 200
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * len(timings)) - 1)]
    return statistics.median(timings), p95, len(ctx)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from dashboard.rollup import issue_month_stats_refresh

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    leader = build_org()
    client = Client()
    client.force_login(leader)
    today = dt.date.today()  # noqa: DTZ011 - bench data
    base = reverse("liaison:dashboard")
    views = {
        "month (default)": base,
        "quarter": f"{base}?period=quarter&year={today.year}&quarter={(today.month - 1) // 3 + 1}",
        "year": f"{base}?period=year&year={today.year}",
    }
    print(f"{'issues':>9} {'visits':>9} {'view':<16} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for size in (int(s) for s in args.sizes.split(",")):
        start = time.perf_counter()
        grow(size)
        print(f"-- filled to {size:,} issues and visits in {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        rows = issue_month_stats_refresh()
        print(f"-- roll-up: {rows:,} rows in {time.perf_counter() - start:.1f} s")
        for label, url in views.items():
            p50, p95, queries = measure(client, url, args.repeat)
            print(f"{size:>9,} {size:>9,} {label:<16} {p50:8.1f} {p95:8.1f} {queries:8d}")
        touch_recent(50)
        for label, url in views.items():
            p50, p95, queries = measure(client, url, args.repeat)
            label = f"{label.split()[0]}, 50 changed"
            print(f"{size:>9,} {size:>9,} {label:<16} {p50:8.1f} {p95:8.1f} {queries:8d}")


if __name__ == "__main__":
    main()
