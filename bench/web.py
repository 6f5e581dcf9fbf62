"""Benchmark the portal's pages under a real server, beside a bare Django view (not a test).

    flock /tmp/bench.lock .venv/bin/python bench/web.py [--seconds 10] [--rounds 3]
        [--clients 4] [--database bench_web] [--reseed] [--pages households,issues,...]
        [--profile 20]

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust) and Redis on 127.0.0.1:6379 (database
12 is the cache, as production caches in Redis); gunicorn is in the venv. No other tool: the load
client is the small asyncio client below (one connection per client, reconnecting when the server
closes it, as gunicorn's sync workers do after every response, like `ab -c 4` without -k).

What it does, in one run:
1. creates or reuses the scratch database `bench_web` (`--reseed` drops it first), migrates,
   collects the static files (into /tmp/bench_web_static, as production serves them hashed),
   loads the demo township (`seed_demo`: 7,601 households, 885 cadres, issues, visits) unless
   it is there, and runs ANALYZE;
2. starts gunicorn with 2 sync workers on 127.0.0.1 against it, with the production settings
   (`config.settings`, DJANGO_DEBUG=0, the cache in Redis) through `bench.web_settings`, which only
   adds the two bare views of bench/web_urls.py (production has no bench URL). The API's user
   throttle is raised (API_THROTTLE_USER) so that the load is not answered with 429s: the
   throttle still runs on every API request;
3. logs in each role through the real login form (CSRF cookie and token), one session per client
   so that the clients do not queue on one session row;
4. counts the queries of one request of each page in this process (Django's test client with the
   same session cookie, CaptureQueriesContext);
5. for each round (at least 3), in an order rotated each round, runs `--clients` concurrent clients
   for `--seconds` against each page and records requests per second, p50 and p95 latency, and
   the CPU seconds per request of the gunicorn workers and of their PostgreSQL backends (from
   /proc);
6. prints the medians over the rounds and each page's ratio to the bare view (the median of the
   per-round ratios), and the targets of issue #17 item 1 (lists, triage queue, cadre home and
   the API lists >= 50% of the bare view, the dashboard >= 25%).

`--profile N` instead profiles N in-process requests of each page (pyinstrument if installed,
else cProfile) and prints where the time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CLK_TCK = os.sysconf("SC_CLK_TCK")
HOST = "127.0.0.1"
PASSWORD = "demo12345"  # noqa: S105 - the demo accounts of seed_demo


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    user: str
    path: str
    target: float | None  # the share of the bare view's req/s issue #17 asks for


PAGES = (
    Page("bare", "bare view (admin)", "admin", "/bench/bare/", None),
    Page("bare_query", "bare view + 1 indexed query", "admin", "/bench/bare-query/", None),
    Page("households", "household list (admin)", "admin", "/households/", 0.5),
    Page("issues", "issue list (staff)", "staff", "/issues/", 0.5),
    Page("triage", "triage queue (staff)", "staff", "/issues/triage/", 0.5),
    Page("cadre_home", "cadre home (cadre)", "cadre", "/", 0.5),
    Page("dashboard", "leader dashboard (leader)", "leader", "/liaison/dashboard/", 0.25),
    Page("api_issues", "/api/v1/issues/ (staff)", "staff", "/api/v1/issues/", 0.5),
    Page("api_households", "/api/v1/households/ (admin)", "admin", "/api/v1/households/", 0.5),
)


# --- environment ----------------------------------------------------------------------------------
def configure(database: str) -> dict:
    env = {
        "DATABASE_URL": f"postgres://postgres@{HOST}:5432/{database}",
        "DJANGO_SETTINGS_MODULE": "bench.web_settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": f"{HOST},localhost,testserver",
        "CACHE_URL": "redis://127.0.0.1:6379/12",
        "API_THROTTLE_USER": "1000000/min",
        "LOG_LEVEL": "WARNING",
        # production serves collected, hashed static files (WhiteNoise): collected here, privately
        "DJANGO_STATIC_ROOT": "/tmp/bench_web_static",
    }
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-web-not-a-secret")
    return env


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def proc_cpu(pid: int) -> float:
    """User + system CPU seconds of a live process (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def children_of(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(p) for p in text.split()]


def backend_pids() -> list[int]:
    """The PostgreSQL backends of the bench database but this process's own."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        return [pid for (pid,) in cursor.fetchall()]


# --- database -------------------------------------------------------------------------------------
def admin_sql(sql: str) -> None:
    import psycopg2

    conn = psycopg2.connect(dbname="postgres", user="postgres", host=HOST, port=5432)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
    finally:
        conn.close()


def prepare_database(database: str, *, reseed: bool) -> None:
    import django

    if reseed:
        admin_sql(f'DROP DATABASE IF EXISTS "{database}"')
    with contextlib.suppress(Exception):  # it exists: reused
        admin_sql(f'CREATE DATABASE "{database}"')
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from households.models import Household

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    if not Household.objects.exists():
        started = time.perf_counter()
        call_command("seed_demo", verbosity=0)
        print(f"seed_demo: {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    from issues.models import Issue
    from liaison.models import Cadre

    print(
        f"database {database}: {Household.objects.count():,} households, "
        f"{Cadre.objects.count():,} cadres, {Issue.objects.count():,} issues (ANALYZE done)"
    )


# --- the server -----------------------------------------------------------------------------------
def start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        "config.wsgi:application",
        "--chdir", str(ROOT),
        "--bind", f"{HOST}:{port}",
        "--workers", str(workers),
        "--worker-class", "sync",
        "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command, env=os.environ.copy(), start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1):
            if len(children_of(server.pid)) >= workers:
                return server
        if server.poll() is not None:
            raise SystemExit("gunicorn did not start")
        time.sleep(0.2)
    stop_gunicorn(server)
    raise SystemExit("gunicorn did not answer within 60 s")


def stop_gunicorn(server: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def login(port: int, username: str) -> str:
    """Sign in through the login form (CSRF cookie and token); returns the Cookie header."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", "/accounts/login/")
    response = conn.getresponse()
    page = response.read().decode()
    jar = SimpleCookie()
    for value in response.headers.get_all("Set-Cookie") or []:
        jar.load(value)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token})
    conn.close()
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request(
        "POST",
        "/accounts/login/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={jar['csrftoken'].value}",
            "Origin": f"http://{HOST}:{port}",
            "Referer": f"http://{HOST}:{port}/accounts/login/",
        },
    )
    response = conn.getresponse()
    response.read()
    for value in response.headers.get_all("Set-Cookie") or []:
        jar.load(value)
    conn.close()
    if response.status != 302 or "sessionid" not in jar:
        raise SystemExit(f"login as {username} failed: HTTP {response.status}")
    return f"csrftoken={jar['csrftoken'].value}; sessionid={jar['sessionid'].value}"


# --- the load client ------------------------------------------------------------------------------
@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict = field(default_factory=dict)
    seconds: float = 0.0
    cpu_app: float = 0.0
    cpu_db: float = 0.0
    cpu_client: float = 0.0
    load: str = ""

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


async def _read_response(reader) -> tuple[int, bool, int]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    close = headers.get("connection", "").lower() == "close"
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            body += await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        body, close = await reader.read(), True
    return status, close, len(body)


async def _client(port, path, cookie, deadline, result: Result) -> None:
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nCookie: {cookie}\r\n"
        "Accept: text/html,application/json\r\nAccept-Language: zh-hans\r\n"
        "Connection: keep-alive\r\n\r\n"
    ).encode()
    reader = writer = None
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        if writer is None:
            reader, writer = await asyncio.open_connection(HOST, port)
        writer.write(request)
        status, close, _size = await _read_response(reader)
        result.latencies.append(time.perf_counter() - started)
        result.statuses[status] = result.statuses.get(status, 0) + 1
        if status != 200:
            result.errors += 1
        if close:
            writer.close()
            writer = None
    if writer is not None:
        writer.close()


def run_load(port, page: Page, cookies: list[str], seconds: float, workers: list[int]) -> Result:
    result = Result(load=load())
    pids = workers
    app_before = sum(proc_cpu(p) for p in pids)
    # the workers' connections live CONN_MAX_AGE (60 s): some close and others open during a
    # load; a backend that closed took its last CPU seconds with it (not counted)
    db_before = {p: proc_cpu(p) for p in backend_pids()}
    client_before = time.process_time()
    started = time.perf_counter()
    deadline = started + seconds

    async def main():
        await asyncio.gather(
            *(_client(port, page.path, cookie, deadline, result) for cookie in cookies)
        )

    asyncio.run(main())
    result.seconds = time.perf_counter() - started
    result.cpu_client = time.process_time() - client_before
    result.cpu_app = sum(proc_cpu(p) for p in pids) - app_before
    result.cpu_db = sum(proc_cpu(p) - db_before.get(p, 0.0) for p in backend_pids())
    return result


# --- in-process: queries and profiles -------------------------------------------------------------
def _test_client(cookie: str):
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    for part in cookie.split("; "):
        name, value = part.split("=", 1)
        client.cookies[name] = value
    return client


def count_queries(page: Page, cookie: str) -> tuple[int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _test_client(cookie)
    client.get(page.path)  # warm: the first request fills per-process caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(page.path)
    assert response.status_code == 200, (page.path, response.status_code)
    return len(queries), len(response.content)


def profile(page: Page, cookie: str, requests: int) -> None:
    client = _test_client(cookie)
    client.get(page.path)
    print(f"\n=== {page.label}: {requests} requests in-process ===")
    try:
        from pyinstrument import Profiler
    except ImportError:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(requests):
            client.get(page.path)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
        return
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(requests):
        client.get(page.path)
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))


# --- report ---------------------------------------------------------------------------------------
def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def report(pages, results: dict, queries: dict, sizes: dict, args) -> None:
    rounds = len(results["bare"])
    print(
        f"\nmedians over {rounds} rounds, {args.clients} clients x {args.seconds:.0f} s per page "
        "per round; CPU ms per request: gunicorn workers (app) and their PostgreSQL backends (db)"
    )
    print(
        f"{'page':34s} {'req/s':>7s} {'(min-max)':>13s} {'ratio':>6s} {'p50 ms':>7s} "
        f"{'p95 ms':>7s} {'app':>6s} {'db':>5s} {'queries':>7s} {'KB':>6s} {'errors':>6s} target"
    )
    bare_rps = [r.rps for r in results["bare"]]
    verdicts = []
    for page in pages:
        runs = results[page.key]
        rps = [r.rps for r in runs]
        ratio = statistics.median(r.rps / b for r, b in zip(runs, bare_rps, strict=True))
        p50 = statistics.median(percentile(r.latencies, 0.5) * 1000 for r in runs)
        p95 = statistics.median(percentile(r.latencies, 0.95) * 1000 for r in runs)
        done = [len(r.latencies) or 1 for r in runs]
        app = statistics.median(r.cpu_app * 1000 / n for r, n in zip(runs, done, strict=True))
        db = statistics.median(r.cpu_db * 1000 / n for r, n in zip(runs, done, strict=True))
        errors = sum(r.errors for r in runs)
        target = ""
        if page.target is not None:
            met = ratio >= page.target
            target = f">= {page.target:.0%}: {'met' if met else 'NOT met'}"
            verdicts.append(met)
        print(
            f"{page.label:34s} {statistics.median(rps):7.1f} "
            f"{f'({min(rps):.0f}-{max(rps):.0f})':>13s} {ratio:6.0%} {p50:7.1f} {p95:7.1f} "
            f"{app:6.1f} {db:5.1f} {queries[page.key]:7d} {sizes[page.key] / 1024:6.1f} "
            f"{errors:6d} {target}"
        )
    client_cpu = sum(r.cpu_client for runs in results.values() for r in runs)
    wall = sum(r.seconds for runs in results.values() for r in runs)
    print(f"load client (this process): {client_cpu:.1f} CPU s over {wall:.0f} s of load")
    print(f"targets met: {sum(verdicts)} of {len(verdicts)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8931)
    parser.add_argument("--database", default="bench_web")
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--pages", default="", help="comma-separated keys (the bare views always)")
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()
    if args.rounds < 3 and not args.profile:
        parser.error("at least 3 rounds")
    wanted = set(filter(None, args.pages.split(",")))
    pages = [p for p in PAGES if not wanted or p.key in wanted or p.key.startswith("bare")]

    configure(args.database)
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}  load {load()}  cores {os.cpu_count()}")
    prepare_database(args.database, reseed=args.reseed)

    server = start_gunicorn(args.port, args.workers)
    try:
        workers = children_of(server.pid)
        users = sorted({p.user for p in pages})
        sessions = {u: [login(args.port, u) for _ in range(args.clients)] for u in users}
        queries, sizes = {}, {}
        for page in pages:
            queries[page.key], sizes[page.key] = count_queries(page, sessions[page.user][0])
        if args.profile:
            for page in pages:
                profile(page, sessions[page.user][0], args.profile)
            return
        for page in pages:  # warm every worker: templates, translations, connections
            run_load(args.port, page, sessions[page.user], 1.0, workers)
        results: dict[str, list[Result]] = {p.key: [] for p in pages}
        for n in range(args.rounds):
            order = pages[n % len(pages) :] + pages[: n % len(pages)]
            print(f"round {n + 1}: load {load()}", flush=True)
            for page in order:
                result = run_load(args.port, page, sessions[page.user], args.seconds, workers)
                results[page.key].append(result)
                if result.errors:
                    print(f"  {page.key}: statuses {result.statuses}")
        report(pages, results, queries, sizes, args)
        print(f"load at the end {load()}")
    finally:
        stop_gunicorn(server)


if __name__ == "__main__":
    main()
