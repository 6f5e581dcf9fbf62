"""Benchmark the contact-day reminders on PostgreSQL, delivered through Redis and a Celery worker
(not a test).

    DJANGO_SECRET_KEY=x DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_reminders \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/reminders.py [--sizes 25000:3000,100000:12000]

For each size (households:cadres) it creates a private database `<NAME>_<households>` from a
migrated template `<NAME>_template` (the role needs CREATEDB; both are dropped at the end unless
--keep), loads one township of 15 villages and work groups, the cadres (each with an account),
the households (each paired with one cadre) and ~40% of them visited this month with COPY, runs
ANALYZE, empties the broker's queue, then measures, each with wall time, CPU seconds (this process,
the worker process, and the PostgreSQL backends serving them, read from /proc) and queries:

  build, plain     the plainest way, in a transaction rolled back: a loop over the cadres, one
                   query for each one's unvisited households and a get_or_create of its reminder;
  build            visits.reminders.reminders_enqueue for the morning of contact day, committed:
                   the reminders stored and the delivery tasks published to Redis (no worker yet);
  deliver, plain   the plainest way, in a transaction rolled back: a loop over the unsent
                   reminders creating each bell notification and marking the row sent;
  deliver          the tasks the build published, run by a real `celery worker` process started
                   now (solo pool): from the first task's start to the last task's end, its
                   queries counted inside the worker (a wrapper on every database connection),
                   the CPU of the backends that served it read after each of its statements
                   (Celery opens a connection per task: that includes each backend's start);
  build again      the idempotent second run (nothing inserted, nothing enqueued).

The delivery is checked before any figure is printed: every reminder sent, one bell per cadre, at
least one task run and every outbox row done; otherwise the bench stops with an error (it cannot
report "tasks 0"). The channel is the bell (in-app) only: e-mail and SMS add two queries and one
external call per message (tests/visits/test_reminders_queries.py).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "insecure-bench")
os.environ["NOTIFICATION_BACKENDS"] = "core.notifications.inapp.InAppBackend"
os.environ.setdefault("DB_CONN_MAX_AGE", "3600")  # one backend per process: its CPU is readable

CONTACT_DAY = dt.date(2025, 5, 7)  # the first Wednesday of May 2025
KIND = "morning"
VILLAGES = 15
CLK_TCK = os.sysconf("SC_CLK_TCK")
PROBE_ENV = "BENCH_REMINDERS_PROBE"


# --- the probe, imported by the worker (`celery worker -I bench.reminders`) ----------------------
def _install_probe(path: str) -> None:
    """Count every query of the worker process and log each task's start and end."""
    from celery.signals import task_postrun, task_prerun
    from django.db import connections
    from django.db.backends.signals import connection_created

    state = {"queries": 0}
    backends: dict[int, float] = {}  # CPU of each backend that served us, as of our last query

    def counted(execute, sql, params, many, context):
        # Celery closes the connection before and after each task: each task has its own
        # backend, whose CPU is read after each of our statements (psycopg2 knows its pid)
        state["queries"] += 1
        try:
            return execute(sql, params, many, context)
        finally:
            pid = context["connection"].connection.get_backend_pid()
            cpu = proc_cpu(pid)
            if cpu is not None:
                backends[pid] = cpu

    def wrap(connection):
        if counted not in connection.execute_wrappers:
            connection.execute_wrappers.append(counted)

    connection_created.connect(lambda sender, connection, **_kw: wrap(connection), weak=False)
    for connection in connections.all():
        wrap(connection)

    def log(event, task_id, task):
        with open(path, "a") as out:
            record = {
                "event": event,
                "task": getattr(task, "name", ""),
                "id": task_id,
                "t": time.time(),
                "queries": state["queries"],
                "cpu": time.process_time(),
                "db_cpu": sum(backends.values()),
                "backends": len(backends),
            }
            out.write(json.dumps(record) + "\n")

    task_prerun.connect(
        lambda task_id=None, task=None, **_kw: log("start", task_id, task), weak=False
    )
    task_postrun.connect(
        lambda task_id=None, task=None, **_kw: log("end", task_id, task), weak=False
    )


if os.environ.get(PROBE_ENV) and __name__ != "__main__":
    _install_probe(os.environ[PROBE_ENV])


# --- measuring ------------------------------------------------------------------------------------
def proc_cpu(pid: int) -> float | None:
    """User + system CPU seconds of a process (None if /proc cannot tell: another host)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def backend_pids(*, own: bool) -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        if own:
            cursor.execute("SELECT pg_backend_pid()")
        else:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            )
        return [pid for (pid,) in cursor.fetchall()]


def cpu_of(pids) -> float | None:
    values = [proc_cpu(p) for p in pids]
    return None if any(v is None for v in values) else sum(values)


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


@contextmanager
def measured(results: list, label: str, **extra):
    """Wall time, this process's CPU, its PostgreSQL backend's CPU and the queries of a step
    (every statement sent, counted by a wrapper on the connection: no log, no limit)."""
    from django.db import connection

    backend = backend_pids(own=True)[0]
    record = {"step": label, "load_before": load(), **extra}
    queries = [0]

    def counted(execute, sql, params, many, context):
        queries[0] += 1
        return execute(sql, params, many, context)

    pg_before, cpu_before = proc_cpu(backend), time.process_time()
    with connection.execute_wrapper(counted):
        start = time.perf_counter()
        yield record
        record["seconds"] = time.perf_counter() - start
    pg_after = proc_cpu(backend)
    record["cpu_app"] = time.process_time() - cpu_before
    record["cpu_db"] = None if pg_before is None or pg_after is None else pg_after - pg_before
    record["queries"] = queries[0]
    record["load_after"] = load()
    results.append(record)


@contextmanager
def rolled_back():
    from django.db import transaction

    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# --- databases ------------------------------------------------------------------------------------
def admin_sql(sql: str) -> None:
    """Run a statement on the server's `postgres` database (CREATE / DROP DATABASE)."""
    import psycopg2
    from django.db import connection

    db = connection.settings_dict
    conn = psycopg2.connect(
        dbname="postgres",
        user=db["USER"],
        password=db["PASSWORD"],
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
    finally:
        conn.close()


def use_database(name: str) -> None:
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = name


def fresh_database(base: str, households: int) -> str:
    from django.core.management import call_command

    template, name = f"{base}_template", f"{base}_{households}"
    use_database(base)  # somewhere to stand while dropping the others
    admin_sql(f'DROP DATABASE IF EXISTS "{name}"')
    with contextlib.suppress(Exception):  # it exists: migrate brings it up to date
        admin_sql(f'CREATE DATABASE "{template}"')
    use_database(template)
    call_command("migrate", verbosity=0)
    use_database(base)
    admin_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    use_database(name)
    return name


def copy_rows(model, rows: list[dict]) -> None:
    """COPY rows (dicts of field name to value) into the model's table; other fields take their
    defaults, as bulk_create would."""
    from django.db import connection
    from django.db.models import JSONField
    from django.utils import timezone

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    defaults = {
        f.name: now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        else f.get_default()
        for f in fields
        if f.name not in rows[0]
    }  # fmt: skip

    def text(field, value) -> str:
        if value is None:
            return r"\N"
        if isinstance(field, JSONField):
            value = json.dumps(value, ensure_ascii=False)
        else:
            value = field.get_db_prep_save(value, connection)
        if isinstance(value, bool):
            return "t" if value else "f"
        if isinstance(value, dt.date | dt.datetime):
            value = value.isoformat()
        value = str(value)
        for raw, escaped in (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r")):
            value = value.replace(raw, escaped)
        return value

    buffer = io.StringIO()
    for row in rows:
        values = [row[f.name] if f.name in row else defaults[f.name] for f in fields]
        buffer.write("\t".join(text(f, v) for f, v in zip(fields, values, strict=True)) + "\n")
    buffer.seek(0)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN", buffer
        )


def load_township(households: int, cadres: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection

    from households.models import Household
    from liaison.models import Cadre, Pairing, Township, Village, WorkGroup
    from visits.models import Visit

    rng = random.Random(17)
    user_model = get_user_model()
    township = Township.objects.create(name="基准乡", code="bench")
    villages = Village.objects.bulk_create(
        Village(township=township, name=f"村{i:02d}", code=f"V{i:02d}") for i in range(VILLAGES)
    )
    groups = WorkGroup.objects.bulk_create(
        WorkGroup(township=township, village=v, name=f"{v.name}工作组") for v in villages
    )
    copy_rows(user_model, [{"username": f"bench{i}", "password": "!"} for i in range(cadres)])
    users = list(
        user_model.objects.filter(username__startswith="bench")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    cadre_group = Group.objects.get(name="cadre")
    copy_rows(user_model.groups.through, [{"user": u, "group": cadre_group.pk} for u in users])
    copy_rows(
        Cadre,
        [
            {"user": u, "township": township.pk, "workgroup": groups[i % VILLAGES].pk,
             "name": f"干部{i}", "phone": f"139{i:08d}"}
            for i, u in enumerate(users)
        ],
    )  # fmt: skip
    cadre_ids = list(Cadre.objects.order_by("pk").values_list("pk", flat=True))
    copy_rows(
        Household,
        [
            {"township": township.pk, "village": villages[i % VILLAGES].pk, "code": f"H{i:06d}",
             "address": f"幸福路{i}号", "head_name": f"户主{i}", "phone": f"138{i:08d}"}
            for i in range(households)
        ],
    )  # fmt: skip
    household_ids = list(Household.objects.order_by("pk").values_list("pk", flat=True))
    pairs = [(cadre_ids[i % len(cadre_ids)], h) for i, h in enumerate(household_ids)]
    start = dt.date(2024, 1, 1)
    copy_rows(Pairing, [{"cadre": c, "household": h, "start_date": start} for c, h in pairs])
    copy_rows(
        Visit,
        [
            {"cadre": c, "household": h, "kind": "ad_hoc", "notes": "走访",
             "visited_on": CONTACT_DAY - dt.timedelta(days=rng.randint(0, 6))}
            for c, h in pairs
            if rng.random() < 0.4
        ],
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"township": township, "cadres": len(cadre_ids), "households": len(household_ids)}


# --- the plainest way -----------------------------------------------------------------------------
def plain_build(township) -> int:
    """A loop over the cadres: each one's unvisited households, then get_or_create its row."""
    from households.models import Household
    from liaison.models import Cadre
    from visits.models import ReminderDelivery
    from visits.selectors import month_range

    start, end = month_range(CONTACT_DAY)
    made = 0
    cadres = Cadre.objects.filter(township=township, is_active=True, user__is_active=True)
    for cadre in cadres.select_related("user").order_by("pk"):
        households = list(
            Household.objects.filter(
                pairings__cadre=cadre, pairings__end_date__isnull=True, status="active"
            )
            .exclude(visits__visited_on__range=(start, end))
            .order_by("code")
        )
        if not households:
            continue
        lines = [f"{h.code} {h.head_name} {h.address}" for h in households[:30]]
        ReminderDelivery.objects.get_or_create(
            cadre=cadre,
            contact_day=CONTACT_DAY,
            kind=KIND,
            defaults={
                "payload": {
                    "user_id": cadre.user_id,
                    "name": cadre.name,
                    "email": cadre.user.email,
                    "phone": cadre.phone,
                    "title": f"今天是联系群众日：您还有 {len(households)} 户本月未走访",
                    "body": "\n".join(lines),
                    "households": [h.pk for h in households],
                }
            },
        )
        made += 1
    return made


def plain_deliver() -> int:
    """A loop over the unsent reminders: create each bell notification, mark the row sent."""
    from django.urls import reverse
    from django.utils import timezone

    from core.models import Notification
    from visits.models import ReminderDelivery

    url = reverse("liaison:visit-list")
    sent = 0
    for row in ReminderDelivery.objects.filter(sent_at__isnull=True).order_by("pk"):
        Notification.objects.create(
            recipient_id=row.payload["user_id"],
            kind=Notification.Kind.REMINDER_MORNING,
            title=row.payload["title"][:128],
            body=row.payload["body"],
            url=url,
        )
        row.sent_at = timezone.now()
        row.save(update_fields=["sent_at"])
        sent += 1
    return sent


# --- the worker -------------------------------------------------------------------------------------
def start_worker(database: str, probe: Path, log: Path) -> subprocess.Popen:
    from django.db import connection

    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{database}",
        PROBE_ENV: str(probe),
    }
    with open(log, "a") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
             "--concurrency=1", "--without-heartbeat", "--without-gossip", "--without-mingle",
             "--loglevel=INFO", "-I", "bench.reminders", "-n", f"bench-{os.getpid()}@%h"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + 90
    while " ready." not in log.read_text(errors="replace"):
        if worker.poll() is not None or time.monotonic() > deadline:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
            raise SystemExit(f"the celery worker did not start within 90 s:\n{tail}")
        time.sleep(0.3)
    return worker


def stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)


def wait_delivered(expected: int, timeout: float) -> None:
    from core.models import Notification, OutboxMessage
    from visits.models import ReminderDelivery

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        unsent = ReminderDelivery.objects.filter(sent_at__isnull=True).count()
        undone = OutboxMessage.objects.filter(done_at__isnull=True).count()
        if not unsent and not undone:
            break
        time.sleep(0.5)
    else:
        raise SystemExit(f"not delivered in {timeout:.0f} s: {unsent} unsent, {undone} tasks open")
    bells = Notification.objects.filter(kind=Notification.Kind.REMINDER_MORNING)
    recipients = bells.values("recipient_id").distinct().count()
    if bells.count() != expected or recipients != expected:
        raise SystemExit(f"{bells.count()} bells to {recipients} people, {expected} expected")


def deliver_through_worker(database: str, tmp: Path, expected: int, tasks: int) -> dict:
    from celery import current_app

    probe, log = tmp / "probe.jsonl", tmp / "worker.log"
    worker = start_worker(database, probe, log)
    try:
        wait_delivered(expected, timeout=1800)
        # a last task without queries: its start line carries the counts after the outbox's
        # "done" mark of the previous task
        current_app.send_task("liaison.ping").get(timeout=60)
        records = [json.loads(line) for line in probe.read_text().splitlines()]
    finally:
        stop_worker(worker)
    work = [r for r in records if r["task"] == "liaison.deliver_reminders"]
    ran = sum(r["event"] == "end" for r in work)
    if ran != tasks or not ran:
        raise SystemExit(f"the worker ran {ran} delivery task(s), the build enqueued {tasks}")
    first = min((r for r in work if r["event"] == "start"), key=lambda r: r["t"])
    last = max((r for r in work if r["event"] == "end"), key=lambda r: r["t"])
    ping = next(r for r in records if r["task"] == "liaison.ping" and r["event"] == "start")
    return {
        "step": "deliver (worker)",
        "seconds": last["t"] - first["t"],
        "cpu_app": last["cpu"] - first["cpu"],
        "cpu_db": ping["db_cpu"] - first["db_cpu"],
        "queries": ping["queries"] - first["queries"],
        "tasks": ran,
        "backends": ping["backends"] - first["backends"],
    }


# --- the run ----------------------------------------------------------------------------------------
def run_size(base: str, households: int, cadres: int, *, keep: bool) -> list[dict]:
    from celery import current_app
    from django.db import transaction

    from visits.models import ReminderDelivery
    from visits.reminders import reminders_enqueue

    results: list[dict] = []
    name = fresh_database(base, households)
    started = time.perf_counter()
    world = load_township(households, cadres)
    print(f"\n== {households} households, {world['cadres']} cadres: database {name}, loaded "
          f"and analysed in {time.perf_counter() - started:.1f} s, load {load()}")  # fmt: skip
    current_app.control.purge()  # nothing left in the queue from an earlier run

    with measured(results, "build, plain (rolled back)") as r, rolled_back():
        r["reminders"] = plain_build(world["township"])

    def build():
        with transaction.atomic():
            return reminders_enqueue(on=CONTACT_DAY, kinds=(KIND,))

    with measured(results, "build") as r:
        run = build()
        r["reminders"], r["tasks"] = len(run.planned), run.tasks
    if not run.tasks or run.inserted != len(run.planned):
        raise SystemExit(f"the build enqueued {run.tasks} tasks for {run.inserted} reminders")

    with measured(results, "deliver, plain (rolled back)") as r, rolled_back():
        r["reminders"] = plain_deliver()

    before = load()
    with tempfile.TemporaryDirectory(prefix="lianxin-bench-") as tmp:
        worker = deliver_through_worker(name, Path(tmp), len(run.planned), run.tasks)
    worker["load_before"] = before
    worker["reminders"] = ReminderDelivery.objects.filter(sent_at__isnull=False).count()
    worker["load_after"] = load()
    results.append(worker)

    with measured(results, "build again (idempotent)") as r:
        again = build()
        r["reminders"], r["tasks"] = again.inserted, again.tasks
    if again.inserted or again.tasks:
        raise SystemExit("the second build inserted or enqueued something")
    if not keep:
        use_database(base)
        admin_sql(f'DROP DATABASE IF EXISTS "{name}"')
    return results


def fmt(value, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def report(results: list[dict]) -> None:
    print(f"{'step':<30} {'wall s':>8} {'cpu app':>8} {'cpu db':>8} {'queries':>8} "
          f"{'rows':>7} {'tasks':>5}  load before → after")  # fmt: skip
    for r in results:
        print(
            f"{r['step']:<30} {r['seconds']:8.2f} {fmt(r['cpu_app'], '8.2f')} "
            f"{fmt(r['cpu_db'], '8.2f')} {r['queries']:8d} {r.get('reminders', ''):>7} "
            f"{r.get('tasks', ''):>5}  {r.get('load_before', '')} → {r.get('load_after', '')}"
        )
    by = {r["step"]: r for r in results}
    plain_b, ours_b = by["build, plain (rolled back)"], by["build"]
    plain_d, ours_d = by["deliver, plain (rolled back)"], by["deliver (worker)"]
    print(
        f"baseline ratio (plain / ours): build {plain_b['seconds'] / ours_b['seconds']:.1f}x "
        f"time, {plain_b['queries'] / max(1, ours_b['queries']):.0f}x queries; deliver "
        f"{plain_d['seconds'] / ours_d['seconds']:.1f}x time, "
        f"{plain_d['queries'] / max(1, ours_d['queries']):.0f}x queries "
        f"(worker: {ours_d['backends']} database backend(s) read)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="25000:3000,100000:12000", help="households:cadres,…")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("DATABASE_URL must name a PostgreSQL database (see the docstring)")
    if not os.environ.get("CELERY_BROKER_URL", "").startswith("redis://"):
        raise SystemExit("CELERY_BROKER_URL must name a Redis database: delivery goes through it")

    import django

    django.setup()
    from django.db import connection

    base = connection.settings_dict["NAME"]
    print(f"bench/reminders.py {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, {os.cpu_count()} CPUs, "
          f"{os.uname().machine} {os.uname().release}, load {load()}")  # fmt: skip
    for size in args.sizes.split(","):
        households, cadres = (int(x) for x in size.split(":"))
        report(run_size(base, households, cadres, keep=args.keep))


if __name__ == "__main__":
    main()
