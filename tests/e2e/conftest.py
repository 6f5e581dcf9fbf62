"""Playwright in Debian's Chromium (never a downloaded browser) against pytest-django's
live server. Screenshots land in test-artifacts/ so a person can look at them."""

import hashlib
import os
import shutil
import tempfile
import threading
import time
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


# SQLite test sessions that collect an e2e test use a file database (tests/conftest.py
# django_db_modify_db_settings): the live server's threads and the test each have their own
# connection. Should the database be the shared in-memory one after all (a session that collected
# no e2e test but starts the live server), its requests are serialised by this lock, and test code
# that works on the database while the browser may be polling (e.g. running a queued task) takes
# it too; with a file database the lock is only taken by such test code, and costs nothing.
DB_LOCK = threading.RLock()


class InFlight:
    """Counts the live server's requests from their start until their response is closed, so a
    test's teardown can wait until the server is idle before the database is flushed."""

    def __init__(self):
        self.count = 0
        self.changed = threading.Condition()

    def started(self):
        with self.changed:
            self.count += 1

    def finished(self):
        with self.changed:
            self.count -= 1
            self.changed.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.count == 0, timeout=timeout)


IN_FLIGHT = InFlight()


class _Tracked:
    """The response iterable, marking the request finished when the server closes it."""

    def __init__(self, response, done):
        self.response, self.done = response, done

    def __iter__(self):
        return iter(self.response)

    def close(self):
        try:
            close = getattr(self.response, "close", None)
            if close is not None:
                close()
        finally:
            self.done()


# Static files as production serves them (issue 17): the live server answers /static/ through
# WhiteNoise from what `collectstatic` wrote with production's storage (hashed names, gzip and
# brotli copies, immutable caching), not through Django's StaticFilesHandler (plain files from the
# source tree, no caching headers). A collection is kept in var/e2e-static/<fingerprint of the
# sources>/ and reused by every session until a static file changes (a new one takes about a
# minute on a quiet two-core machine, two or three on a busy one).
STATIC_BUILDS = Path(__file__).resolve().parents[2] / "var" / "e2e-static"
# A collection no session has started using for this long is dropped (each is ~45 MB).
STATIC_BUILD_MAX_AGE = 2 * 60 * 60


def _static_fingerprint(backend: str) -> str:
    """A hash of the storage and of every source file's name, size and modification time."""
    from django.contrib.staticfiles import finders

    entries = sorted(
        (
            f"{getattr(storage, 'prefix', None) or ''}/{path}",
            os.stat(storage.path(path)).st_size,
            os.stat(storage.path(path)).st_mtime_ns,
        )
        for finder in finders.get_finders()
        for path, storage in finder.list(["CVS", ".*", "*~"])
    )
    return hashlib.sha256(repr((backend, entries)).encode()).hexdigest()[:16]


def _collect_static(root: Path, storages: dict) -> None:
    """collectstatic into a scratch directory renamed to `root` when complete, so a concurrent
    session never serves a half-written collection (the first rename wins)."""
    from django.core.management import call_command
    from django.test import override_settings
    from whitenoise.compress import Compressor

    STATIC_BUILDS.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{root.name}-", dir=STATIC_BUILDS))
    # Source maps are never loaded by a page: not compressing them halves the time.
    skip = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")
    with override_settings(
        STATIC_ROOT=str(building), STORAGES=storages, WHITENOISE_SKIP_COMPRESS_EXTENSIONS=skip
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
    try:
        building.rename(root)
    except OSError:  # another session finished the same collection first
        shutil.rmtree(building, ignore_errors=True)
    for old in STATIC_BUILDS.iterdir():
        if old != root and time.time() - old.stat().st_mtime > STATIC_BUILD_MAX_AGE:
            shutil.rmtree(old, ignore_errors=True)


@pytest.fixture(scope="session")
def served_static():
    """Production's static storage for the session, its collection served by WhiteNoise (the
    middleware reads the collection when the live server starts: see `live_server`)."""
    from django.conf import settings
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test import override_settings

    storages = {**settings.STORAGES, "staticfiles": settings.PRODUCTION_STATIC_STORAGE}
    root = STATIC_BUILDS / _static_fingerprint(storages["staticfiles"]["BACKEND"])
    if not (root / "staticfiles.json").exists():
        _collect_static(root, storages)
    os.utime(root)  # in use: not dropped by another session's clean-up
    serving = override_settings(
        STATIC_ROOT=str(root), STORAGES=storages, WHITENOISE_USE_FINDERS=False
    )
    serving.enable()
    should_handle = StaticFilesHandler._should_handle
    StaticFilesHandler._should_handle = lambda self, path: False  # on to WhiteNoise
    yield root
    StaticFilesHandler._should_handle = should_handle
    serving.disable()


@pytest.fixture(scope="session")
def live_server(served_static, live_server):
    """pytest-django's live server, started once the static files are collected and served."""
    return live_server


@pytest.fixture(scope="session")
def _tracked_live_server(live_server):
    """The live server with every request counted (and serialised on a shared in-memory
    database, where its threads and the test use one connection)."""
    from django.core.handlers.wsgi import WSGIHandler

    shared_connection = bool(live_server.thread.connections_override)
    original = WSGIHandler.__call__

    def tracked(self, environ, start_response):
        IN_FLIGHT.started()
        try:
            if shared_connection:
                with DB_LOCK:
                    response = original(self, environ, start_response)
            else:
                response = original(self, environ, start_response)
        except BaseException:
            IN_FLIGHT.finished()
            raise
        return _Tracked(response, IN_FLIGHT.finished)

    WSGIHandler.__call__ = tracked
    yield live_server
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


# Generous waits: they end as soon as the page is in the awaited state, and only a real failure
# waits them out. A busy two-core machine (load 4-11) needs far more than Playwright's 5 s.
WAIT_MS = 30_000
SCREENSHOT_MS = 60_000


@pytest.fixture
def new_page(browser, _tracked_live_server, transactional_db):
    """new_page(viewport=PHONE, locale="zh-CN") -> a Playwright page on the live server.

    Teardown closes the pages, then waits until the live server has finished every request they
    made, before transactional_db (set up before this fixture, so torn down after it) flushes."""
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)
    contexts = []

    def make(*, viewport=DESKTOP, locale="zh-CN"):
        context = browser.new_context(
            viewport=viewport,
            locale=locale,
            base_url=_tracked_live_server.url,
            accept_downloads=True,
        )
        context.set_default_timeout(WAIT_MS)
        context.set_default_navigation_timeout(WAIT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
    if not IN_FLIGHT.wait_idle(timeout=60):
        pytest.fail(
            f"the live server still serves {IN_FLIGHT.count} request(s) 60 s after the test"
        )


@pytest.fixture
def page(new_page):
    return new_page()


def login(page, username: str, password: str) -> None:
    """Sign in and wait until the browser has left the login page (the app's state, not a
    delay); a wrong password fails here with the page's own error message."""
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation(wait_until="load"):
        page.click("button[type=submit]")
    if "/accounts/login/" in page.url:
        errors = page.locator(".alert, .errorlist, .invalid-feedback").all_inner_texts()
        pytest.fail(f"login as {username} failed: {errors}")
    page.wait_for_load_state("networkidle")


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """A full-page screenshot for a person to look at in test-artifacts/: taken once the page
    has settled (fonts loaded, no requests pending), with a generous timeout."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready.then(() => true)")
    page.screenshot(
        path=str(path), full_page=full_page, timeout=SCREENSHOT_MS, animations="disabled"
    )
    return path


def navigate(page, target, **click_options) -> None:
    """Click `target` (a selector or a locator: a link or a submit button) and wait until the page
    it leads to has loaded. A bare click returns before the next page arrives, and an assertion
    right after it may read the page being left."""
    locator = page.locator(target) if isinstance(target, str) else target
    menu = locator.locator("xpath=ancestor::li[contains(@class, 'dropdown')]")
    if menu.count() and not locator.is_visible():  # an entry of the 管理 menu: open it first
        menu.locator("[data-bs-toggle=dropdown]").click()
    with page.expect_navigation(wait_until="load"):
        locator.click(**click_options)
