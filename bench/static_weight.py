"""Measure what a browser downloads for the cadre's home and the leader's dashboard (not a test).

    .venv/bin/python bench/static_weight.py [--households 300] [--keep DIR]

Builds a private demo township in a scratch directory (SQLite, `migrate`, `seed_demo`), runs
production's `collectstatic` (hashed names with gzip and brotli copies; its time is printed), starts
gunicorn with DJANGO_DEBUG=0 (static files served by WhiteNoise), and drives Debian's Chromium
(Playwright) through four cases, each in a fresh browser context (empty cache, service worker
allowed), twice: once as Chromium asks (Accept-Encoding: gzip, deflate, br) and once asking for no
compression (Accept-Encoding: identity), so both columns come from the same run and the same server.

  cadre home       390×844: the login page, sign in as `cadre`, land on the home page (first load,
                   with what the service worker precaches); then open the home page again (repeat);
  leader dashboard 1366×768: sign in as `leader` (not counted), open the dashboard (first load);
                   then open it again (repeat).

For each it prints the bytes the browser received (encoded bodies and headers, answers from the
service worker's cache excluded), the body bytes gunicorn's access log shows, and how many requests
for /static/ reached the server (0 on a repeat visit: hashed names are cached as immutable). The
load average is printed before and after: a busy machine slows the run, not the byte counts.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]  # fmt: skip
PASSWORD = "demo12345"  # demo/seed.py DEMO_PASSWORD
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
DASHBOARD = "/liaison/dashboard/"
KB = 1024
WAIT_MS = 60_000


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str) -> float:
    started = time.monotonic()
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    return time.monotonic() - started


class AccessLog:
    """gunicorn's access log: one `path status bytes content-length` line per response. A file
    WhiteNoise hands to sendfile shows 0 bytes sent: its Content-Length counts then."""

    def __init__(self, path: Path):
        self.path = path

    def lines(self) -> list[tuple[str, int, int]]:
        if not self.path.exists():
            return []
        rows = []
        for line in self.path.read_text().splitlines():
            path, status, sent, length = line.split()
            size = max(int(sent) if sent.isdigit() else 0, int(length) if length.isdigit() else 0)
            rows.append((path, int(status), size))
        return rows

    def settled(self) -> int:
        """The number of lines once the server has been quiet for half a second."""
        count, quiet_since = -1, time.monotonic()
        while time.monotonic() - quiet_since < 0.5:
            now = len(self.lines())
            if now != count:
                count, quiet_since = now, time.monotonic()
            time.sleep(0.05)
        return count


def settle(page) -> None:
    """Loaded, and the service worker (registered by every signed-in page) active and precached."""
    page.wait_for_load_state("networkidle")
    page.evaluate(
        """async () => {
            if (!navigator.serviceWorker) { return; }
            if (await navigator.serviceWorker.getRegistration()) { await navigator.serviceWorker.ready; }
        }"""
    )
    page.wait_for_load_state("networkidle")


def received_bytes(received: list, start: int) -> int:
    return sum(size for size, from_worker in received[start:] if not from_worker)


def record(received: list):
    def on_finished(request):
        response = request.response()
        sizes = request.sizes()
        received.append(
            (sizes["responseBodySize"] + sizes["responseHeadersSize"],
             bool(response and response.from_service_worker))
        )  # fmt: skip

    return on_finished


def measure(browser, base_url: str, log: AccessLog, case: str, encoding: str | None) -> dict:
    viewport = PHONE if case == "cadre home" else DESKTOP
    headers = {"Accept-Encoding": encoding} if encoding else {}
    context = browser.new_context(viewport=viewport, locale="zh-CN", base_url=base_url,
                                  extra_http_headers=headers)  # fmt: skip
    context.set_default_timeout(WAIT_MS)
    received: list = []
    context.on("requestfinished", record(received))
    page = context.new_page()
    user, target = ("cadre", "/") if case == "cadre home" else ("leader", DASHBOARD)
    phases = {}
    try:
        start, server_start = len(received), log.settled()
        page.goto("/accounts/login/")
        page.fill("#id_username", user)
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation(wait_until="load"):
            page.click("button[type=submit]")
        settle(page)
        if case != "cadre home":  # the sign-in is not the dashboard's weight
            start, server_start = len(received), log.settled()
            page.goto(target)
            page.wait_for_selector("[data-chart-ready='1'] svg")
            settle(page)
        phases["first"] = (
            received_bytes(received, start),
            log.lines()[server_start : log.settled()],
        )
        start, server_start = len(received), log.settled()
        page.goto(target)
        settle(page)
        phases["repeat"] = (
            received_bytes(received, start),
            log.lines()[server_start : log.settled()],
        )
    finally:
        context.close()
    return phases


def row(case: str, phase: str, encoding: str, browser_bytes: int, lines: list) -> str:
    static = [line for line in lines if line[0].startswith("/static/")]
    return (
        f"{case:17} {phase:7} {encoding:11} {browser_bytes / KB:9.1f} KB"
        f" {sum(line[2] for line in lines) / KB:9.1f} KB {len(lines):5} {len(static):7}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--households", type=int, default=300, help="size of the demo township")
    parser.add_argument(
        "--keep", help="build in this directory and keep it (default: a scratch one)"
    )
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    workdir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="lianxin-weight-"))
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "bench-static-weight-not-secret"),
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "DJANGO_STATIC_ROOT": str(workdir / "static"),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    env.pop("CELERY_BROKER_URL", None)  # eager Celery: the demo needs no services
    print(f"load average before: {load()}")
    print(f"workdir {workdir}; {args.households} households")
    print(f"migrate {manage(env, 'migrate', '--noinput', '-v0'):.1f} s,"
          f" seed_demo {manage(env, 'seed_demo', '--households', str(args.households)):.1f} s,"
          f" collectstatic {manage(env, 'collectstatic', '--noinput', '-v0'):.1f} s")  # fmt: skip
    access = AccessLog(workdir / "access.log")
    if access.path.exists():
        access.path.unlink()
    server = subprocess.Popen(
        [str(Path(PYTHON).with_name("gunicorn")), "config.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--access-logfile", str(access.path), "--access-logformat", "%(U)s %(s)s %(B)s %({content-length}o)s"],
        cwd=ROOT, env=env, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{base_url}/accounts/login/", timeout=2)  # noqa: S310
                break
            except OSError:
                time.sleep(0.1)
        access.settled()
        print(f"\n{'page':17} {'visit':7} {'encoding':11} {'browser':>12} {'server body':>12}"
              f" {'resp.':>5} {'static':>7}")  # fmt: skip
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for case in ("cadre home", "leader dashboard"):
                    for label, encoding in (("compressed", None), ("identity", "identity")):
                        phases = measure(browser, base_url, access, case, encoding)
                        for phase, (browser_bytes, lines) in phases.items():
                            print(row(case, phase, label, browser_bytes, lines))
                            if phase == "repeat":
                                for path, status, _size in lines:
                                    if path.startswith("/static/"):
                                        print(f"{'':17} refetched: {status} {path}")
            finally:
                browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"\nload average after: {load()}")
    print("browser: encoded bodies + headers received over the network; server body: gunicorn's")
    print("access log (bytes sent, or Content-Length for sendfile); static: requests for /static/")
    print("that reached gunicorn.")


if __name__ == "__main__":
    main()
