"""Shared fixtures. Browser fixtures live in tests/e2e/conftest.py."""

import pytest
from django.conf import settings
from django.utils import translation

from liaison.roles import Role
from tests.factories import CadreFactory, UserFactory


def pytest_collection_modifyitems(config, items):
    """Tests marked `worker` need a real broker and a shared database: they run in the
    PostgreSQL + Redis pass of .ci/run. Tests marked `eager` check the embedded default and run in
    the SQLite pass. Each is deselected (not skipped) in the other pass."""
    from django.conf import settings

    unwanted = {"worker" if settings.CELERY_TASK_ALWAYS_EAGER else "eager"}
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        unwanted.add("postgres")  # tests of PostgreSQL roles and grants: the PostgreSQL pass
    deselected = [i for i in items if any(i.get_closest_marker(m) for m in unwanted)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [i for i in items if not any(i.get_closest_marker(m) for m in unwanted)]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, request):
    """Browser tests on SQLite get a file database instead of the shared in-memory one.

    With the in-memory database the live server's threads and the test share one connection,
    and a request still being served while the test flushes the database breaks both ("cannot
    commit - no transaction is active", then leftover rows in the next test). With a file each
    thread has its own connection, SQLite's locks order them (IMMEDIATE transactions wait up to
    the busy timeout instead of failing on a lock upgrade), and WAL lets the pages read while a
    test writes. Only sessions that collected an e2e test pay for the file."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.sqlite3":
        return
    if not any(item.get_closest_marker("e2e") for item in request.session.items):
        return
    directory = request.getfixturevalue("tmp_path_factory").mktemp("e2e-db")
    db.setdefault("TEST", {})["NAME"] = str(directory / "lianxin-e2e.sqlite3")
    db["OPTIONS"] = {
        **db.get("OPTIONS", {}),
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;",
    }


@pytest.fixture(autouse=True)
def _chinese_again_after_each_test():
    """A request made in English leaves English active in the thread (LocaleMiddleware does not
    deactivate it): put the default language back so no later test depends on the order."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _tasks_run_in_process_unless_worker_test(request):
    """Tests run Celery tasks in process on both passes, as on the embedded default; only tests
    marked `worker` go through the real broker (the second pass of .ci/run sets one)."""
    if request.node.get_closest_marker("worker") is not None:
        yield
        return
    from liaison.celery import app

    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.fixture
def make_user(db):
    """make_user(Role.CADRE, workgroup=wg) -> a user with that role and a Cadre profile."""

    def make(*roles: Role, superuser: bool = False, **cadre_fields):
        user = UserFactory(roles=roles, is_superuser=superuser, is_staff=superuser)
        CadreFactory(user=user, **cadre_fields)
        return user

    return make


@pytest.fixture
def celery_worker_process(transactional_db):
    """A real `celery worker` process on the configured Redis broker, sharing the test database.

    Needs CELERY_BROKER_URL (the PostgreSQL + Redis pass of .ci/run sets it) and a database the
    worker process can open (PostgreSQL; an in-memory SQLite test database cannot be shared).
    """
    import os
    import subprocess
    import sys
    import time
    from pathlib import Path

    from django.conf import settings
    from django.db import connection

    from liaison.celery import app

    if settings.CELERY_TASK_ALWAYS_EAGER or connection.vendor != "postgresql":
        pytest.fail("mark the test @pytest.mark.worker: it needs CELERY_BROKER_URL and PostgreSQL")
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "DJANGO_DEBUG": "0",
    }
    root = Path(__file__).resolve().parents[1]
    # one log per pytest-xdist worker (each has its own database and Redis database too)
    suffix = os.environ.get("PYTEST_XDIST_WORKER", "")
    log_name = f"test-celery-worker{'-' + suffix if suffix else ''}.log"
    log = open(root / "var" / log_name, "w")  # noqa: SIM115
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "liaison",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
            "-n",
            f"test-{os.getpid()}@%h",
        ],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if worker.poll() is not None:
                pytest.fail(f"celery worker exited with {worker.returncode}; see var/{log_name}")
            replies = app.control.ping(timeout=1.0) or []
            if replies:
                break
        else:
            pytest.fail("celery worker did not answer a ping within 60 s")
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()
