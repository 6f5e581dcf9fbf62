"""City scale: a district leader's dashboard over 343 townships and 25 million issues on monthly
partitions (not a test).

    DJANGO_SECRET_KEY=x .venv/bin/python bench/city_scale.py [--townships 343] \\
        [--issues 25000000] [--households 1000] [--repeat 20] [--database bench_dash_city] \\
        [--only build|measure]

`--only build` builds and stops; `--only measure` measures a database an earlier `--only build`
left (the build takes most of the time, so the two can run at different times: the requests on
a quiet machine).

What it builds, in a scratch database it drops and recreates (never `lianxin` or `test_*`):
- the schema by `migrate`; then, in that database only, `issues_issue` recreated as
  `PARTITION BY RANGE (reported_at)` with one partition per month (and a default one): same
  name, same columns, so the application's queries run unchanged. The primary key becomes
  (id, reported_at) — PostgreSQL requires the partition key in every unique index — so the
  foreign keys pointing at issues (events, attachments, projects, offline receipts) are dropped
  there, and the 查询号 index is not unique. Only the indexes the dashboard reads are built,
  after the load: (township, status), (township, reported_at), (township, closed_at) without
  merged, (township, contact_due_at) not yet contacted, status, reported_at, due_at, and the
  overdue list's two (the open issues most overdue first, with and without township); the other
  foreign-key indexes of the model are left out (nothing here reads them);
- 343 townships, each with 15 villages and work groups, 5 committees, 30 cadres and `--households`
  paired households (1,000 each by default: 343,000, not the model township's 7,601 each: a
  smaller roster keeps the build inside twenty minutes; the dashboard reads the roster only for
  visit coverage, through the pairings and the visits' monthly roll-up), a mass visit each, and
  visits to about three households in four every month of the last twelve;
- `--issues` issues over the last 36 months, INSERT … SELECT generate_series per monthly
  partition, the status mix of bench/dashboard.py (open issues are recent ones); ANALYZE;
- the visits' roll-up (`visit_months_rebuild`) and the issue roll-up
  (`issue_month_stats_refresh`, as the quarter-hourly task builds it), then ANALYZE.
Then it requests the dashboard as a district leader (a leader with no township: every township)
with Django's test Client — this month (the default), this quarter, this year — `--repeat` times
each, and the same three with 50 issues changed through `issue_transition` since the roll-up;
and, as the plainest way, the month view counted straight from the base tables (no roll-up:
issue figures live from issues_issue, coverage by EXISTS over the visits) a few times. Prints
the build time of each step and in all, the load average, p50/p95 in milliseconds, CPU
milliseconds per request (this process and its PostgreSQL backend, from /proc) and queries.
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
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

VILLAGES, COMMITTEES, CADRES = 15, 5, 30
MONTHS = 36
# the same mix as bench/dashboard.py: a status bucket 0..99, issues older than 45 days closed
STATUSES = [
    (5, "reported"), (10, "triaged"), (20, "in_progress"), (25, "resolved"), (28, "explained"),
    (33, "replied"), (75, "rated"), (98, "archived"), (100, "merged"),
]  # fmt: skip
SOURCES = ["visit", "walk_in", "phone", "hotline", "wechat", "letter", "self_report", "visit"]
DASHBOARD_INDEXES = [
    "CREATE INDEX issue_p_township_status ON issues_issue (township_id, status)",
    "CREATE INDEX issue_p_township_reported ON issues_issue (township_id, reported_at)",
    "CREATE INDEX issue_p_township_closed ON issues_issue (township_id, closed_at) "
    "WHERE status <> 'merged'",
    "CREATE INDEX issue_p_uncontacted_due ON issues_issue (township_id, contact_due_at) "
    "WHERE first_contact_at IS NULL",
    "CREATE INDEX issue_p_status ON issues_issue (status)",
    "CREATE INDEX issue_p_reported ON issues_issue (reported_at)",
    "CREATE INDEX issue_p_due ON issues_issue (due_at)",
]
# and these of the model's own, built from its definition (expressions that must match the
# dashboard's query exactly): the overdue list's
MODEL_INDEXES = ["issue_open_by_due", "issue_township_open_by_due"]


def log(text: str) -> None:
    print(text, flush=True)


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def admin_sql(url: str, sql: str) -> None:
    import psycopg2

    conn = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
    finally:
        conn.close()


def run(sql: str, params=None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


@contextmanager
def step(name: str, spent: dict):
    start = time.perf_counter()
    yield
    spent[name] = time.perf_counter() - start
    log(f"-- {name}: {spent[name]:.1f} s (load {load()})")


def bench_dashboard():
    """bench/dashboard.py (its SQL helper, its 50 changes, its plain way), by path: the name
    `dashboard` is the app's."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_dashboard", ROOT / "bench/dashboard.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def insert(model, expressions: dict[str, str], count: int, where: str = "") -> int:
    """INSERT … SELECT over generate_series(0, count - 1) AS i (bench/dashboard.py's helper)."""
    return run(bench_dashboard()._insert_select(model, expressions, 0, count - 1) + where)


def first_id(model) -> int:
    from django.db.models import Count, Max, Min

    figures = model.objects.aggregate(low=Min("pk"), high=Max("pk"), n=Count("pk"))
    assert figures["high"] - figures["low"] + 1 == figures["n"], "ids not consecutive"
    return figures["low"]


def build_org(townships: int, households: int) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from committees.models import Committee
    from households.models import Household
    from liaison.models import Cadre, Pairing, Township, Village, WorkGroup
    from visits.models import Visit, VisitCampaign

    user = get_user_model()
    T, H = townships, households  # noqa: N806
    insert(Township, {"name": "'乡镇' || i", "code": "'t' || i", "district": "'示范区'"}, T)
    t0 = first_id(Township)
    insert(Village, {"township_id": f"{t0} + i / {VILLAGES}", "name": f"'村' || (i % {VILLAGES})",
                     "code": "'V' || i", "kind": "'village'", "is_active": "true"},
           T * VILLAGES)  # fmt: skip
    v0 = first_id(Village)
    insert(WorkGroup, {"township_id": f"{t0} + i / {VILLAGES}", "village_id": f"{v0} + i",
                       "name": f"'工作组' || (i % {VILLAGES})", "is_active": "true"},
           T * VILLAGES)  # fmt: skip
    w0 = first_id(WorkGroup)
    codes = [code for code, _label in Committee.Code.choices]
    insert(Committee, {"township_id": f"{t0} + i / {COMMITTEES}",
                       "code": f"(ARRAY{codes})[1 + i % {COMMITTEES}]",
                       "name": f"(ARRAY{codes})[1 + i % {COMMITTEES}]", "is_active": "true"},
           T * COMMITTEES)  # fmt: skip
    insert(user, {"username": "'city' || i", "password": "'!'", "is_active": "true",
                  "date_joined": "now()"}, T * CADRES)  # fmt: skip
    u0 = first_id(user)
    cadre_group = Group.objects.get(name="cadre")
    run(f"INSERT INTO {user.groups.through._meta.db_table} (user_id, group_id) "  # noqa: S608
        f"SELECT {u0} + i, {cadre_group.pk} FROM generate_series(0, {T * CADRES - 1}) AS i")  # fmt: skip
    insert(Cadre, {"user_id": f"{u0} + i", "township_id": f"{t0} + i / {CADRES}",
                   "name": "'干部' || i", "is_active": "true",
                   "workgroup_id": f"{w0} + (i / {CADRES}) * {VILLAGES} + (i % {CADRES}) % {VILLAGES}"},
           T * CADRES)  # fmt: skip
    c0 = first_id(Cadre)
    insert(Household, {"township_id": f"{t0} + i / {H}",
                       "village_id": f"{v0} + (i / {H}) * {VILLAGES} + (i % {H}) % {VILLAGES}",
                       "code": "'H' || i", "address": "'幸福路' || i || '号'",
                       "head_name": "'户主' || i", "status": "'active'"}, T * H)  # fmt: skip
    h0 = first_id(Household)
    cadre_of = f"{c0} + (i / {H}) * {CADRES} + (i % {H}) % {CADRES}"
    insert(Pairing, {"cadre_id": cadre_of, "household_id": f"{h0} + i",
                     "start_date": "DATE '2023-01-01'", "created_at": "now()"}, T * H)  # fmt: skip
    today = dt.date.today()  # noqa: DTZ011 - bench data
    insert(VisitCampaign, {"township_id": f"{t0} + i", "name": "'集中走访'",
                           "start_date": f"DATE '{today - dt.timedelta(days=20)}'",
                           "end_date": f"DATE '{today + dt.timedelta(days=10)}'",
                           "created_at": "now()"}, T)  # fmt: skip
    # about three households in four visited each month of the last twelve (k = i / households)
    n = T * H
    visit_cadre = f"{c0} + ((i % {n}) / {H}) * {CADRES} + ((i % {n}) % {H}) % {CADRES}"
    insert(Visit, {"cadre_id": visit_cadre, "household_id": f"{h0} + i % {n}",
                   "visited_on": f"LEAST(current_date, (date_trunc('month', current_date) - "
                                 f"(i / {n}) * interval '1 month')::date + ((i * 31) % 28)::int)",
                   "kind": "'contact_day'", "notes": "'走访'", "created_at": "now()",
                   "updated_at": "now()"},
           12 * n, where=" WHERE (i * 7919) % 4 <> 0")  # fmt: skip
    leader = user.objects.create(username="district-leader", password="!")
    leader.groups.add(Group.objects.get(name="leader"))
    return leader


def partition_issues(first_month: dt.date, last_month: dt.date) -> int:
    """Recreate issues_issue as a table partitioned by month of reported_at; returns the
    partitions made."""
    from dashboard.periods import add_months

    fks = run_all(
        "SELECT conrelid::regclass::text, conname FROM pg_constraint "
        "WHERE confrelid = 'issues_issue'::regclass AND contype = 'f'"
    )
    for table, name in fks:
        run(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    run("ALTER TABLE issues_issue RENAME TO issues_issue_plain")
    run(
        "CREATE TABLE issues_issue (LIKE issues_issue_plain INCLUDING DEFAULTS) "
        "PARTITION BY RANGE (reported_at)"
    )
    run("DROP TABLE issues_issue_plain")
    run("CREATE SEQUENCE issues_issue_id_seq_p OWNED BY issues_issue.id")
    run("ALTER TABLE issues_issue ALTER COLUMN id SET DEFAULT nextval('issues_issue_id_seq_p')")
    made, month = 0, first_month
    while month <= last_month:
        following = add_months(month, 1)
        run(
            f"CREATE TABLE issues_issue_{month:%Y%m} PARTITION OF issues_issue "
            f"FOR VALUES FROM ('{month}') TO ('{following}')"
        )
        made, month = made + 1, following
    run("CREATE TABLE issues_issue_other PARTITION OF issues_issue DEFAULT")
    return made


def run_all(sql: str) -> list:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def fill_issues(total: int, townships: int, households: int, months: list[dt.date]) -> None:
    """`total` issues spread over the months, one INSERT … SELECT per monthly partition."""
    from committees.models import Committee
    from dashboard.periods import add_months
    from households.models import Household
    from issues.models import Issue
    from liaison.models import Cadre, Township, Village

    T, H = townships, households  # noqa: N806
    t0, v0, k0 = first_id(Township), first_id(Village), first_id(Committee)
    h0, c0 = first_id(Household), first_id(Cadre)
    per_month = total // len(months)
    now = dt.datetime.now(dt.UTC)
    start_id = 1
    for index, month in enumerate(months):
        count = per_month if index < len(months) - 1 else total - per_month * (len(months) - 1)
        low = dt.datetime.combine(month, dt.time.min, tzinfo=dt.UTC)
        high = min(dt.datetime.combine(add_months(month, 1), dt.time.min, tzinfo=dt.UTC), now)
        seconds = max(1, int((high - low).total_seconds()) - 1)
        reported = (
            f"(TIMESTAMPTZ '{low.isoformat()}' + ((i * 7919) % {seconds}) * interval '1 second')"
        )
        age = f"(EXTRACT(EPOCH FROM now() - {reported}) / 86400)"
        r = f"(CASE WHEN {age} > 45 THEN 20 + (i * 7919) % 80 ELSE (i * 7919) % 100 END)"
        status = "CASE " + " ".join(f"WHEN {r} < {b} THEN '{s}'" for b, s in STATUSES) + " END"
        is_open, closed = f"({r} < 20)", f"({r} >= 20 AND {r} < 98)"
        rated, s2 = f"({r} >= 33 AND {r} < 98)", "((i * 104729) % 100)"
        t, k = f"(i % {T})", f"((i / {T}) % {H})"
        sql = _issue_sql(
            {
                "township_id": f"{t0} + {t}",
                "household_id": f"{h0} + {t} * {H} + {k}",
                "village_id": f"{v0} + {t} * {VILLAGES} + {k} % {VILLAGES}",
                "committee_id": f"CASE WHEN {r} < 5 THEN NULL ELSE {k0} + {t} * {COMMITTEES} "
                f"+ i % {COMMITTEES} END",
                "raised_by_id": f"{c0} + {t} * {CADRES} + {k} % {CADRES}",
                "description": "'诉求' || i",
                "source": f"(ARRAY{SOURCES})[(1 + i % {len(SOURCES)})::int]",
                "urgency": "CASE WHEN i % 20 = 0 THEN 'urgent' ELSE 'normal' END",
                "status": status,
                "level": f"CASE WHEN {r} < 5 THEN '' ELSE (ARRAY['village','township',"
                "'district'])[(1 + i % 3)::int] END",
                "reported_at": reported,
                "contact_due_at": f"{reported} + interval '24 hours'",
                "first_contact_at": f"CASE WHEN {r} < 5 THEN NULL ELSE {reported} + (i % 30) * "
                "interval '1 hour' END",
                "due_at": f"{reported} + interval '7 days'",
                "is_overdue": f"{is_open} AND {s2} < 30",
                "outcome": f"CASE WHEN {closed} AND {r} % 7 = 0 THEN 'explained' WHEN {closed} "
                "THEN 'resolved' ELSE '' END",
                "closed_at": f"CASE WHEN {closed} THEN LEAST(now(), {reported} + (i % 10) * "
                "interval '1 day') END",
                "satisfaction": f"CASE WHEN NOT {rated} THEN '' WHEN {s2} < 70 THEN 'satisfied' "
                f"WHEN {s2} < 88 THEN 'basic' ELSE 'unsatisfied' END",
                "rated_at": f"CASE WHEN {rated} THEN {reported} + interval '12 days' END",
            },
            Issue,
            start_id,
            start_id + count - 1,
        )
        run(sql)
        start_id += count
    run(f"SELECT setval('issues_issue_id_seq_p', {start_id})")


def _issue_sql(expressions: dict, model, first: int, last: int) -> str:
    """The helper's INSERT … SELECT with the id given (i), as the partitioned table has no
    identity column."""
    table = model._meta.db_table
    sql = bench_dashboard()._insert_select(model, expressions, first, last)
    sql = sql.replace(f"INSERT INTO {table} (", f"INSERT INTO {table} (id, ", 1)
    return sql.replace("SELECT ", "SELECT i, ", 1)


def index_and_analyze() -> None:
    run("SET maintenance_work_mem = '1GB'")  # index builds sort in memory (24 GiB here)
    run("ALTER TABLE issues_issue ADD PRIMARY KEY (id, reported_at)")
    for sql in DASHBOARD_INDEXES:
        run(sql)
    from django.db import connection

    from issues.models import Issue

    with connection.schema_editor() as editor:  # the overdue list's, exactly as the model has them
        for index in Issue._meta.indexes:
            if index.name in MODEL_INDEXES:
                run(str(index.create_sql(Issue, editor)))
    run("ANALYZE issues_issue")


def cpu_seconds() -> float:
    from django.db import connection

    total = time.process_time()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        pass
    return total


def measure(client, url: str, repeat: int, way=None) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    way = way or contextmanager(lambda: (yield))
    with way():
        for _ in range(2):
            assert client.get(url).status_code == 200
        timings, cpu = [], 0.0
        for _ in range(repeat):
            before, start = cpu_seconds(), time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
            cpu += cpu_seconds() - before
            assert response.status_code == 200
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * len(timings)) - 1)]
    return {"p50": statistics.median(timings), "p95": p95, "cpu": 1000 * cpu / repeat,
            "queries": len(ctx)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--townships", type=int, default=343)
    parser.add_argument("--issues", type=int, default=25_000_000)
    parser.add_argument("--households", type=int, default=1000, help="per township")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--plain-repeat", type=int, default=3)
    parser.add_argument("--database", default="bench_dash_city")
    parser.add_argument("--only", choices=["build", "measure"])
    args = parser.parse_args()
    assert args.database.startswith("bench_"), "a scratch database: bench_…"
    url = f"postgres://postgres@127.0.0.1:5432/{args.database}"
    os.environ["DATABASE_URL"] = url
    if args.only != "measure":
        admin_sql(url, f'DROP DATABASE IF EXISTS "{args.database}"')
        admin_sql(url, f'CREATE DATABASE "{args.database}"')

    import django

    django.setup()
    from django.conf import settings

    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        settings.STORAGES["staticfiles"] = {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        }
    from django.core.management import call_command

    from dashboard.periods import add_months
    from dashboard.rollup import issue_month_stats_refresh
    from visits.services import visit_months_rebuild

    log(f"{args.townships} townships, {args.issues:,} issues, {args.households:,} households each; "
        f"{os.cpu_count()} cores; load at start {load()}; {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")  # fmt: skip
    if args.only == "measure":
        from django.contrib.auth import get_user_model

        leader = get_user_model().objects.get(username="district-leader")
        measure_all(leader, args, build=None)
        return
    spent: dict[str, float] = {}
    this_month = dt.date.today().replace(day=1)  # noqa: DTZ011 - bench data
    months = [add_months(this_month, -k) for k in range(MONTHS - 1, -1, -1)]
    with step("migrate", spent):
        call_command("migrate", verbosity=0)
    with step("organisation, households, pairings, visits", spent):
        leader = build_org(args.townships, args.households)
    with step("partitioned issues table", spent):
        made = partition_issues(add_months(months[0], -1), add_months(this_month, 2))
    log(f"   {made} monthly partitions and a default one")
    with step(f"{args.issues:,} issues, INSERT … SELECT per partition", spent):
        fill_issues(args.issues, args.townships, args.households, months)
    with step("primary key, the dashboard's indexes, ANALYZE", spent):
        index_and_analyze()
    with step("visit roll-up (VisitMonth) and ANALYZE", spent):
        rows = visit_months_rebuild()
        run("ANALYZE visits_visitmonth")
        run("ANALYZE liaison_pairing")
        run("ANALYZE liaison_visit")
    log(f"   {rows:,} VisitMonth rows")
    with step("issue roll-up (issue_month_stats_refresh) and ANALYZE", spent):
        rows = issue_month_stats_refresh()
        run("ANALYZE liaison_issuemonthstat")
        run("ANALYZE liaison_issuemonthchoicestat")
    log(f"   {rows:,} IssueMonthStat rows")
    build = sum(spent.values())
    log(f"-- build in all: {build:.0f} s ({build / 60:.1f} min)")
    if args.only != "build":
        measure_all(leader, args, build=build)


def measure_all(leader, args, *, build: float | None) -> None:
    """The district leader's dashboard, this month, quarter and year, fresh and with 50
    changed, and the plainest way."""
    from django.test import Client
    from django.urls import reverse

    plain_way, touch_recent = bench_dashboard().plain_way, bench_dashboard().touch_recent
    log(f"measuring; load {load()}; {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    client = Client()
    client.force_login(leader)
    today = dt.date.today()  # noqa: DTZ011
    quarter = (today.month - 1) // 3 + 1
    base = reverse("liaison:dashboard")
    views = {
        "month": base,
        "quarter": f"{base}?period=quarter&year={today.year}&quarter={quarter}",
        "year": f"{base}?period=year&year={today.year}",
    }
    log(f"{'state':<11} {'view':<8} {'way':<8} {'p50 ms':>9} {'p95 ms':>9} {'CPU ms':>9} "
        f"{'queries':>8}")  # fmt: skip
    results = {}
    for state in ("fresh", "50 changed"):
        if state == "50 changed":
            deltas = touch_recent(50)
            log(
                f"-- 50 issues changed through issue_transition ({deltas} delta rows); load {load()}"
            )
        for view, url_ in views.items():
            m = results[(state, view)] = measure(client, url_, args.repeat)
            log(f"{state:<11} {view:<8} {'roll-up':<8} {m['p50']:9.1f} {m['p95']:9.1f} "
                f"{m['cpu']:9.1f} {m['queries']:8d}")  # fmt: skip
    m = measure(client, views["month"], args.plain_repeat, way=plain_way)
    log(f"{'50 changed':<11} {'month':<8} {'plain':<8} {m['p50']:9.1f} {m['p95']:9.1f} "
        f"{m['cpu']:9.1f} {m['queries']:8d}")  # fmt: skip
    log(f"-- load {load()}")
    worst = max(results.values(), key=lambda r: r["p95"])
    built = "" if build is None else f"build {build / 60:.1f} min; "
    log(f"\n{built}district leader's dashboard p95: worst "
        f"{worst['p95']:.0f} ms (target ≤ 1000 ms: {'met' if worst['p95'] <= 1000 else 'NOT met'}); "
        f"plain month view p95 {m['p95']:.0f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
