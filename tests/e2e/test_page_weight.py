"""Page weight (issue 17) in Chromium, against the static files as production serves them
(hashed names, brotli/gzip copies, immutable caching: tests/e2e/conftest.py `served_static`).

A new phone (390×844, empty cache): the cadre opens the portal, signs in and lands on the home page;
everything transferred, including what the service worker fetches to work offline, stays under
300 KB. A repeat visit fetches no static file again: not with the service worker, and not from the
HTTP cache alone (service workers blocked). The leader's first visit (1366×768: sign in, open the
dashboard with its charts) stays under 600 KB, and the dashboard itself under 256 KB (the full
ECharts build alone would take it to ~310 KB).

Bytes are counted twice: by the browser (each finished request's encoded body and headers, as the
network panel shows them; answers from the service worker's cache excluded) and by the live server
(status line, headers and body of every response it sends). The budget holds for both."""

import threading
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest

from tests.dashboard.conftest import build_town
from tests.e2e.conftest import IN_FLIGHT, PHONE, WAIT_MS, login

pytestmark = [pytest.mark.e2e]
PASSWORD = "Passw0rd!x"
KB = 1024
CADRE_HOME_BUDGET = 300 * KB
LEADER_DASHBOARD_BUDGET = 600 * KB  # sign-in and dashboard
DASHBOARD_PAGE_BUDGET = 256 * KB  # the dashboard page after the sign-in
LEADER_SCREEN = {"width": 1366, "height": 768}
TEXT_TYPES = ("text/css", "text/javascript", "application/javascript")


class ServerLog:
    """What the live server sent: one entry per response (path, status, headers, bytes)."""

    def __init__(self):
        self.entries: list[dict] = []
        self.lock = threading.Lock()

    def mark(self) -> int:
        with self.lock:
            return len(self.entries)

    def since(self, mark: int) -> list[dict]:
        with self.lock:
            return list(self.entries[mark:])


class _Counted:
    """The response iterable, counting the bytes the server writes."""

    def __init__(self, response, entry):
        self.response, self.entry = response, entry

    def __iter__(self):
        for chunk in self.response:
            self.entry["bytes"] += len(chunk)
            yield chunk

    def close(self):
        close = getattr(self.response, "close", None)
        if close is not None:
            close()


@pytest.fixture
def server_log(_tracked_live_server, monkeypatch):
    from django.core.handlers.wsgi import WSGIHandler

    log = ServerLog()
    inner = WSGIHandler.__call__

    def counted(self, environ, start_response):
        entry = {"path": environ.get("PATH_INFO", ""), "bytes": 0, "status": 0, "headers": {}}

        def start(status, headers, exc_info=None):
            entry["status"] = int(status.split()[0])
            entry["headers"] = {name.lower(): value for name, value in headers}
            # "HTTP/1.1 " + status line, "name: value\r\n" per header, the blank line
            entry["bytes"] += 9 + len(status) + 2 + sum(len(n) + len(v) + 4 for n, v in headers) + 2
            return start_response(status, headers, exc_info)

        response = inner(self, environ, start)
        with log.lock:
            log.entries.append(entry)
        return _Counted(response, entry)

    monkeypatch.setattr(WSGIHandler, "__call__", counted)
    return log


@pytest.fixture
def open_context(browser, _tracked_live_server, transactional_db):
    """open_context(viewport, service_workers="allow") -> a fresh browser context (empty cache)
    with a recorder of what the browser received; closed, and the server idle, afterwards."""
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)

    @contextmanager
    def make(viewport, service_workers="allow"):
        context = browser.new_context(
            viewport=viewport,
            locale="zh-CN",
            base_url=_tracked_live_server.url,
            service_workers=service_workers,
        )
        context.set_default_timeout(WAIT_MS)
        received: list[dict] = []
        context.on("requestfinished", lambda request: received.append(_browser_entry(request)))
        try:
            yield context, received
        finally:
            context.close()
            assert IN_FLIGHT.wait_idle(timeout=60), "the live server is still busy"

    return make


def _browser_entry(request) -> dict:
    response = request.response()
    sizes = request.sizes()
    return {
        "url": request.url,
        "from_service_worker": bool(response and response.from_service_worker),
        "bytes": sizes["responseBodySize"] + sizes["responseHeadersSize"],
    }


def _browser_bytes(received: list[dict], mark: int = 0) -> int:
    """Bytes that came over the network: an answer from the service worker's cache is not."""
    return sum(e["bytes"] for e in received[mark:] if not e["from_service_worker"])


def _settled(page) -> None:
    """The page has loaded, the service worker (if any) is active with its shell precached and the
    diary kept, and the server has answered everything."""
    page.wait_for_load_state("networkidle")
    if page.evaluate("() => 'serviceWorker' in navigator && !!navigator.serviceWorker"):
        page.evaluate(
            """async () => {
                const registration = await navigator.serviceWorker.getRegistration();
                if (registration) { await navigator.serviceWorker.ready; }
            }"""
        )
    page.wait_for_load_state("networkidle")
    assert IN_FLIGHT.wait_idle(timeout=60)


def _static(entries: list[dict]) -> list[dict]:
    return [e for e in entries if e["path"].startswith("/static/")]


def _report(label: str, browser_bytes: int, server: list[dict]) -> None:
    static = _static(server)
    print(
        f"\n{label}: browser {browser_bytes / KB:.1f} KB, server {sum(e['bytes'] for e in server) / KB:.1f}"
        f" KB in {len(server)} responses ({len(static)} static,"
        f" {sum(e['bytes'] for e in static) / KB:.1f} KB)"
    )
    for entry in sorted(server, key=lambda e: -e["bytes"]):
        encoding = entry["headers"].get("content-encoding", "-")
        print(f"  {entry['bytes'] / KB:7.1f} KB {entry['status']} {encoding:5} {entry['path']}")


def _assert_served_for_keeps(static: list[dict]) -> None:
    """Every static file came by a hashed name, cached for good, text compressed."""
    assert static, "no static file was requested"
    for entry in static:
        assert entry["status"] in (200, 304), entry
        assert "immutable" in entry["headers"].get("cache-control", ""), entry
        if entry["headers"].get("content-type", "").startswith(TEXT_TYPES):
            assert entry["headers"].get("content-encoding") in ("br", "gzip"), entry


@pytest.fixture
def town(transactional_db, make_user):
    return build_town(make_user)


def test_cadre_home_first_load_within_budget_and_repeat_visit_fetches_no_static_file(
    town, open_context, server_log
):
    cadre = town.users["cadre1"]
    with open_context(PHONE) as (context, received):
        page = context.new_page()
        start = server_log.mark()
        login(page, cadre.username, PASSWORD)
        assert urlsplit(page.url).path == "/"  # the cadre's home page
        _settled(page)
        first = server_log.since(start)
        first_browser = _browser_bytes(received)
        _report("cadre home, first load (sign-in included)", first_browser, first)
        _assert_served_for_keeps(_static(first))
        assert any(e["path"] == "/sw.js" for e in first), "the service worker was not installed"
        assert first_browser <= CADRE_HOME_BUDGET
        assert sum(e["bytes"] for e in first) <= CADRE_HOME_BUDGET

        # a repeat visit: to the home page again, then a reload
        again = server_log.mark()
        page.goto("/")
        _settled(page)
        page.reload()
        _settled(page)
        repeat = server_log.since(again)
        _report("cadre home, repeat visit", 0, repeat)
        assert _static(repeat) == []


def test_without_a_service_worker_the_http_cache_alone_serves_a_repeat_visit(
    town, open_context, server_log
):
    with open_context(PHONE, service_workers="block") as (context, _received):
        page = context.new_page()
        start = server_log.mark()
        login(page, town.users["cadre1"].username, PASSWORD)
        _settled(page)
        _assert_served_for_keeps(_static(server_log.since(start)))
        again = server_log.mark()
        page.goto("/")
        _settled(page)
        page.reload()
        _settled(page)
        assert _static(server_log.since(again)) == []


def test_leader_dashboard_first_load_within_budget(town, open_context, server_log):
    with open_context(LEADER_SCREEN) as (context, received):
        page = context.new_page()
        login(page, town.users["leader"].username, PASSWORD)
        _settled(page)
        mark, start = len(received), server_log.mark()
        page.goto("/liaison/dashboard/?period=month&year=2025&month=3")
        page.wait_for_selector("#chart-committee[data-chart-ready='1'] svg")
        _settled(page)
        dashboard = server_log.since(start)
        dashboard_browser = _browser_bytes(received, mark)
        total_browser = _browser_bytes(received)
        _report("leader dashboard (after sign-in)", dashboard_browser, dashboard)
        _report("leader, sign-in and dashboard", total_browser, server_log.since(0))
        _assert_served_for_keeps(_static(server_log.since(0)))
        assert any("echarts" in e["path"] for e in dashboard)
        assert dashboard_browser <= DASHBOARD_PAGE_BUDGET
        assert sum(e["bytes"] for e in dashboard) <= DASHBOARD_PAGE_BUDGET
        assert total_browser <= LEADER_DASHBOARD_BUDGET
        assert sum(e["bytes"] for e in server_log.since(0)) <= LEADER_DASHBOARD_BUDGET
