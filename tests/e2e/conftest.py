"""Playwright in Debian's Chromium (never a downloaded browser) against pytest-django's
live server. Screenshots land in test-artifacts/ so a person can look at them."""

import os
import shutil
import threading
from pathlib import Path

import pytest

# Playwright's sync API keeps an event loop on the main thread; the ORM calls the tests make
# there are ordinary synchronous ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


# With the in-memory SQLite test database, the live server's request threads and the test thread
# share ONE connection; two of them inside transactions at once interleave their savepoints
# ("no such savepoint"). Requests are serialised by this lock, and test code that works on the
# database while the browser may be polling (e.g. running a queued task) takes it too.
DB_LOCK = threading.RLock()


@pytest.fixture(autouse=True, scope="session")
def _serialise_live_server_requests():
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    if connection.vendor != "sqlite":
        yield
        return
    original = WSGIHandler.__call__

    def locked(self, environ, start_response):
        with DB_LOCK:
            return original(self, environ, start_response)

    WSGIHandler.__call__ = locked
    yield
    WSGIHandler.__call__ = original


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test` (installs it) as root.")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """new_page(viewport=PHONE, locale="zh-CN") -> a Playwright page on the live server."""
    contexts = []

    def make(*, viewport=DESKTOP, locale="zh-CN"):
        context = browser.new_context(
            viewport=viewport, locale=locale, base_url=live_server.url, accept_downloads=True
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


def login(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
