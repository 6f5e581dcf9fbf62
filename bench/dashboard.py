"""Benchmark the leader's dashboard as issues and visits grow (not a test).

    createdb -h 127.0.0.1 -U postgres bench_dash
    DJANGO_SECRET_KEY=x DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_dash \\
        .venv/bin/python bench/dashboard.py [--sizes 100000,1000000] [--repeat 30]

Builds one township like the model one (15 villages and work groups, 5 committees, 885 cadres,
7,601 paired households), then grows the issues (and as many visits) to each size with
INSERT … SELECT generate_series — spread evenly over the last three years, a realistic mix of
statuses (open issues are recent ones), outcomes, satisfaction, late contacts and overdue
issues — fills the visits' monthly roll-up as a bulk load does (`visit_months_rebuild`), runs
VACUUM ANALYZE, builds the issue roll-up (rebuilt every quarter hour in production) and ANALYZEs
the roll-up tables. Then it requests the dashboard as the township leader with Django's test
Client, for this month (the default view), this quarter and this year, two ways in the same
run, interleaved request by request:
- "roll-up": the page as shipped (issue figures from the roll-up and its delta rows, the clock-
  bound counts from the open issues, visit coverage from VisitMonth);
- "plain": the same page with the same figures counted straight from the base tables (the issue
  figures live from issues_issue, coverage with EXISTS over liaison_visit per paired
  household), as the dashboard did before any roll-up. Both give the same figures (checked).
Then it changes 50 issues of the last 60 days through `issue_transition` (what a township does
in a quarter hour, and more: each writes its delta rows) and measures again without rebuilding.
Prints p50 / p95 in milliseconds, the CPU milliseconds per request (this process plus its
PostgreSQL backend, from /proc), the query count of each, the load average, and the ratios the
targets name (p95 at the largest size over the smallest; p95 ≤ 150 ms with 50 changed).
Use a private, empty database: the script creates its own township and users there.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_dash")
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
    if have > target:  # a second run on the same database would measure the last size twice
        raise SystemExit(f"the database already holds {have:,} issues, more than {target:,}: "
                         "measure on an empty one (dropdb, createdb)")  # fmt: skip
    if have == target:
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
    from visits.services import visit_months_rebuild

    with connection.cursor() as cursor:
        cursor.execute(issue_sql)
        cursor.execute(visit_sql)
    start = time.perf_counter()
    rows = visit_months_rebuild()  # a bulk load refills the visits' roll-up
    print(f"-- visit roll-up (VisitMonth): {rows:,} rows in {time.perf_counter() - start:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE issues_issue")
        cursor.execute("VACUUM ANALYZE liaison_visit")
        cursor.execute("VACUUM ANALYZE visits_visitmonth")
        cursor.execute("ANALYZE liaison_pairing")


def touch_recent(count: int) -> int:
    """Change `count` issues reported in the last 60 days through `issue_transition`, as cadres
    and staff do between two roll-ups (each change writes its delta rows). Returns the delta
    rows written."""
    from django.utils import timezone

    from dashboard.models import IssueMonthChoiceStat, IssueMonthStat
    from issues.models import Issue
    from issues.workflow import issue_transition

    steps = {  # status → (action, fields): no alerts, no notifications
        "triaged": ("start", {}),
        "in_progress": ("resolve", {"result": "已办结"}),
        "resolved": ("reply", {"channel": "phone", "reply_text": "已答复"}),
        "explained": ("reply", {"channel": "phone", "reply_text": "已答复"}),
        "replied": ("rate", {"satisfaction": "satisfied"}),
    }
    before = IssueMonthStat.objects.count() + IssueMonthChoiceStat.objects.count()
    recent = Issue.objects.filter(
        reported_at__gt=timezone.now() - dt.timedelta(days=60), status__in=list(steps)
    ).order_by("?")[:count]
    for issue in recent:
        action, data = steps[issue.status]
        issue_transition(issue=issue, action=action, actor=None, system=True, **data)
    return IssueMonthStat.objects.count() + IssueMonthChoiceStat.objects.count() - before


@contextmanager
def plain_way():
    """The same page with the same figures counted straight from the base tables: no roll-up
    read (the cube counts live), coverage by EXISTS over the visits of each paired household."""
    from unittest import mock

    from django.db.models import Count, Exists, OuterRef, Q

    from dashboard import coverage
    from visits import selectors as visit_selectors
    from visits.models import Visit

    def visited(scope, start, end):
        return coverage._pairings(scope).filter(
            Exists(
                Visit.objects.filter(
                    household_id=OuterRef("household_id"), visited_on__range=(start, end)
                )
            )
        )

    def window_coverage(*, start, end, township_id=None, workgroup_id=None):
        figures = visit_selectors._in_force(start, end, township_id, workgroup_id).aggregate(
            households=Count("household_id", distinct=True),
            visited=Count(
                "household_id",
                distinct=True,
                filter=Q(visit_selectors._visited_between(start, end)),
            ),
        )
        return figures["households"], figures["visited"]

    with (
        mock.patch("dashboard.cube.roll_up_first_day", return_value=None),
        mock.patch("dashboard.coverage._visited_pairings", visited),
        mock.patch("dashboard.coverage.window_coverage", window_coverage),
    ):
        yield


def cpu_seconds() -> float:
    """This process's CPU seconds plus its PostgreSQL backend's (same machine, from /proc)."""
    from django.db import connection

    total = time.process_time()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:  # the database runs elsewhere: this process only
        pass
    return total


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def measure(client, url: str, repeat: int) -> dict:
    """Both ways, interleaved request by request (the order alternating): p50, p95, CPU ms per
    request and the queries of one request, per way."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ways = {"roll-up": contextmanager(lambda: (yield)), "plain": plain_way}
    for way in ways.values():
        with way():
            for _ in range(3):  # warm-up (connection, template loading, caches)
                assert client.get(url).status_code == 200
    timings = {name: [] for name in ways}
    cpu = dict.fromkeys(ways, 0.0)
    for i in range(repeat):
        for name in sorted(ways, reverse=bool(i % 2)):
            with ways[name]():
                cpu_before, start = cpu_seconds(), time.perf_counter()
                response = client.get(url)
                timings[name].append((time.perf_counter() - start) * 1000)
                cpu[name] += cpu_seconds() - cpu_before
                assert response.status_code == 200
    result = {}
    for name, way in ways.items():
        with way(), CaptureQueriesContext(connection) as ctx:
            client.get(url)
        ordered = sorted(timings[name])
        p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]
        result[name] = {"p50": statistics.median(ordered), "p95": p95,
                        "cpu": 1000 * cpu[name] / repeat, "queries": len(ctx)}  # fmt: skip
    return result


def same_figures(leader, periods) -> None:
    """The page's figures equal the plain way's (the same dashboard_summary both ways)."""
    from django.utils import timezone

    from dashboard import selectors
    from dashboard.access import dashboard_scope_of

    scope = dashboard_scope_of(leader)
    now = timezone.now()
    for period in periods:
        shipped = selectors.dashboard_summary(scope, period, now=now)
        with plain_way():
            plain = selectors.dashboard_summary(scope, period, now=now)
        assert shipped == plain, f"the figures differ for {period}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings

    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        # no collectstatic here: plain static URLs (the page's queries and work are the same)
        settings.STORAGES["staticfiles"] = {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        }
        print("static files: no manifest in STATIC_ROOT, plain static URLs")
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from dashboard.periods import month_period, quarter_period, year_period
    from dashboard.rollup import issue_month_stats_refresh

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}; "
          f"{os.cpu_count()} cores; load at start {load()}")  # fmt: skip
    leader = build_org()
    client = Client()
    client.force_login(leader)
    today = dt.date.today()  # noqa: DTZ011 - bench data
    quarter = (today.month - 1) // 3 + 1
    base = reverse("liaison:dashboard")
    views = {
        "month": (base, month_period(today.year, today.month)),
        "quarter": (f"{base}?period=quarter&year={today.year}&quarter={quarter}",
                    quarter_period(today.year, quarter)),
        "year": (f"{base}?period=year&year={today.year}", year_period(today.year)),
    }  # fmt: skip
    results: dict[tuple, dict] = {}
    header = (f"{'issues':>9} {'state':<11} {'view':<8} {'way':<8} {'p50 ms':>8} {'p95 ms':>8} "
              f"{'CPU ms':>8} {'queries':>8}")  # fmt: skip
    sizes = [int(x) for x in args.sizes.split(",")]
    for size in sizes:
        start = time.perf_counter()
        grow(size)
        print(f"-- filled to {size:,} issues and visits in {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        rows = issue_month_stats_refresh()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE liaison_issuemonthstat")
            cursor.execute("ANALYZE liaison_issuemonthchoicestat")
        print(f"-- issue roll-up: {rows:,} rows in {time.perf_counter() - start:.1f} s")
        same_figures(leader, [period for _url, period in views.values()])
        for state in ("fresh", "50 changed"):
            if state == "50 changed":
                start = time.perf_counter()
                deltas = touch_recent(50)
                print(f"-- 50 issues changed through issue_transition: {deltas} delta rows, "
                      f"{time.perf_counter() - start:.2f} s; figures still equal the plain way's")  # fmt: skip
                same_figures(leader, [period for _url, period in views.values()])
            print(f"-- load {load()}")
            print(header)
            for view, (url, _period) in views.items():
                measured = measure(client, url, args.repeat)
                for way, m in measured.items():
                    results[(size, state, view, way)] = m
                    print(f"{size:>9,} {state:<11} {view:<8} {way:<8} {m['p50']:8.1f} "
                          f"{m['p95']:8.1f} {m['cpu']:8.1f} {m['queries']:8d}")  # fmt: skip
        print(f"-- load {load()}")
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        print(
            f"\nflatness, roll-up way: p95 at {large:,} / p95 at {small:,} (target within "
            "0.80–1.20); plain way beside it"
        )
        for state in ("fresh", "50 changed"):
            for view in views:
                ratio = {w: results[(large, state, view, w)]["p95"]
                         / results[(small, state, view, w)]["p95"] for w in ("roll-up", "plain")}  # fmt: skip
                print(f"  {state:<11} {view:<8} roll-up {ratio['roll-up']:.2f}   "
                      f"plain {ratio['plain']:.2f}")  # fmt: skip
    large = sizes[-1]
    print(f"\np95 at {large:,} with 50 changed (target ≤ 150 ms), and plain / roll-up:")
    for view in views:
        ours = results[(large, "50 changed", view, "roll-up")]
        plain = results[(large, "50 changed", view, "plain")]
        print(f"  {view:<8} {ours['p95']:6.1f} ms  {'met' if ours['p95'] <= 150 else 'NOT met'}"
              f"   plain {plain['p95']:6.1f} ms ({plain['p95'] / ours['p95']:.1f}×), "
              f"CPU {ours['cpu']:.1f} vs {plain['cpu']:.1f} ms/request")  # fmt: skip


if __name__ == "__main__":
    main()
