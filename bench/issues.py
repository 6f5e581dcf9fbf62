"""Benchmark the issue pages and the leader's issue headline (not a test).

    createdb -h 127.0.0.1 -U postgres bench_issues
    DJANGO_SECRET_KEY=x DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_issues \\
        .venv/bin/python bench/issues.py [--issues 100000] [--repeat 20]

Loads the demo township (seed_demo) into a private, empty database, grows its issues to the
requested number by copying the demo's issues (bulk_create), runs ANALYZE, then requests as
the demo users: the list (staff, all filters off and 'overdue only'), the triage queue, an
issue's detail page, the village handler's home and headline_figures(). Prints p50 / p95 in
milliseconds, the CPU milliseconds per request of this process and of its PostgreSQL backend (from
/proc) and the query count of each, the load average, and the triage queue against its target
(issue #17 item 5: <= 200 ms at 100k issues).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLK_TCK = os.sysconf("SC_CLK_TCK")
TRIAGE_TARGET_MS = 200
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_issues")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
# DEBUG=0 serves hashed static files: collected below, into a directory of the bench's own
os.environ.setdefault("DJANGO_STATIC_ROOT", "/tmp/bench_issues_static")


def main() -> None:
    import django

    parser = argparse.ArgumentParser()
    parser.add_argument("--issues", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    django.setup()

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from demo.seed import seed_demo
    from issues.models import Issue
    from issues.selectors import headline_figures

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    seed_demo()
    base = list(Issue.objects.order_by("id"))
    missing = args.issues - len(base)
    batch = []
    for n in range(max(0, missing)):
        source = base[n % len(base)]
        source.pk = None
        copy = Issue(**{f.attname: getattr(source, f.attname) for f in Issue._meta.concrete_fields})
        copy.tracking_code = f"LX-B{n:07d}"  # unique, as the copied one is
        batch.append(copy)
        if len(batch) == 5000:
            Issue.objects.bulk_create(batch)
            batch = []
    Issue.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    total = Issue.objects.count()
    print(f"issues: {total:,}  ({connection.vendor})  load {_load()}")
    backend = _backend_pid(connection)

    User = get_user_model()
    clients = {}
    for name in ("staff", "village", "leader"):
        client = Client()
        client.force_login(User.objects.get(username=name))
        clients[name] = client
    some = Issue.objects.filter(status="in_progress").order_by("id").first()
    cases = [
        ("list (staff)", "staff", "/issues/"),
        ("list overdue (staff)", "staff", "/issues/?overdue=on"),
        ("triage queue (staff)", "staff", "/issues/triage/"),
        ("detail (leader)", "leader", f"/issues/{some.pk}/"),
        ("home (village handler)", "village", "/"),
        ("home (leader)", "leader", "/"),
    ]
    for label, who, url in cases:
        clients[who].get(url)  # warm
        times = []
        cpu, db = time.process_time(), _cpu(backend)
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = clients[who].get(url)
                times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        cpu, db = time.process_time() - cpu, _cpu(backend) - db
        p95 = _report(label, times, len(queries), cpu / args.repeat, db / args.repeat)
        if label.startswith("triage"):
            verdict = "met" if p95 <= TRIAGE_TARGET_MS else "NOT met"
            print(f"  triage queue p95 <= {TRIAGE_TARGET_MS} ms at {total:,} issues: {verdict}")
    times = []
    cpu, db = time.process_time(), _cpu(backend)
    for _ in range(args.repeat):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            headline_figures(township_id=None)
            times.append((time.perf_counter() - start) * 1000)
    cpu, db = time.process_time() - cpu, _cpu(backend) - db
    _report("headline_figures()", times, len(queries), cpu / args.repeat, db / args.repeat)
    print(f"load at the end {_load()}")


def _report(label: str, times: list[float], queries: int, cpu: float, db: float) -> float:
    times.sort()
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    print(
        f"{label:28s} p50 {statistics.median(times):8.1f} ms  p95 {p95:8.1f} ms  "
        f"CPU app {cpu * 1000:6.1f} ms  db {db * 1000:6.1f} ms  queries {queries}"
    )
    return p95


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _backend_pid(connection) -> int | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _cpu(pid: int | None) -> float:
    """User + system CPU seconds of a process on this host (0 where /proc cannot tell)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, TypeError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


if __name__ == "__main__":
    main()
