"""Shared fixtures. Browser fixtures live in tests/e2e/conftest.py."""

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import translation

from liaison.roles import Role
from tests.factories import (
    CadreFactory,
    HouseholdFactory,
    PairingFactory,
    UserFactory,
    WorkGroupFactory,
)


def pytest_collection_modifyitems(config, items):
    """Tests marked `worker` need a real broker and a shared database: they run in the
    PostgreSQL + Redis pass of .ci/run. Tests marked `eager` check the embedded default and run in
    the SQLite pass. Each is deselected (not skipped) in the other pass."""
    from django.conf import settings

    # A test whose world is shared asks for `db` only once the world is there (shared_world),
    # but pytest-django creates the test database only for tests that name `db` up front: name
    # it last, after the world.
    for item in items:
        if (
            _shared_world_fixture(item)
            and not _transactional(item)
            and "db" not in item.fixturenames
        ):
            item.fixturenames.append("db")

    # A transactional test ends with a flush, which also empties what the data migrations made
    # (beat schedules, the holiday calendar, settings, role groups). Serialized rollback makes
    # Django keep a copy of the migrated database and skip post_migrate on that flush, so the
    # copy can be put back cleanly (here, for any later test: _migration_data_back_after_a_flush).
    for item in items:
        if not _transactional(item):
            continue
        if "django_db_serialized_rollback" not in item.fixturenames:
            item.fixturenames.append("django_db_serialized_rollback")
        marker = item.get_closest_marker("django_db")
        if marker is not None and not marker.kwargs.get("serialized_rollback"):
            # pytest-django reads a marked test's serialization from its marker alone
            kwargs = dict(marker.kwargs, transaction=True, serialized_rollback=True)
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)

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


class _Flushed:
    since_last_restore = False


@pytest.fixture(autouse=True)
def _migration_data_back_after_a_flush(request):
    """After a transactional test has flushed the database, the next test that uses the database
    without being transactional gets the migrated data back (from the copy Django serialized when
    it created the test database), whatever order pytest-randomly and xdist choose."""
    transactional = _transactional(request.node)
    uses_db = "db" in request.fixturenames or request.node.get_closest_marker("django_db")
    if _Flushed.since_last_restore and uses_db and not transactional:
        from django.db import connections

        with request.getfixturevalue("django_db_blocker").unblock():
            request.getfixturevalue("django_db_setup")
            inside_a_test_transaction = False
            for connection in connections.all(initialized_only=True):
                contents = getattr(connection, "_test_serialized_contents", None)
                if contents:
                    # rows are saved by primary key (UPDATE, else INSERT): restoring twice is safe
                    connection.creation.deserialize_db_from_string(contents)
                    inside_a_test_transaction |= connection.in_atomic_block
        # Restored inside a test's own transaction (a `django_db` marker opens it before this
        # fixture), the rows go with its rollback: restore again next time.
        _Flushed.since_last_restore = inside_a_test_transaction
    yield
    if transactional:
        _Flushed.since_last_restore = True


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
    from config.celery import app

    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


def create_user(*roles: Role, superuser: bool = False, **cadre_fields):
    """create_user(Role.CADRE, workgroup=wg) -> a user with that role and a Cadre profile."""
    user = UserFactory(roles=roles, is_superuser=superuser, is_staff=superuser)
    CadreFactory(user=user, **cadre_fields)
    return user


@pytest.fixture
def make_user(db):
    """make_user(Role.CADRE, workgroup=wg) -> a user with that role and a Cadre profile."""
    return create_user


# --- Shared worlds ------------------------------------------------------------------------------
# A "world" (the township, users and objects that a directory's tests share) used to be built
# for every test: ~0.2 s each on a quiet machine, 1 s under load, more than most tests take.
# `shared_world(request, build)` builds it once and keeps it in an outer transaction that stays
# open while consecutive tests use it; each test's own transaction (pytest-django's `db`) nests
# inside it as a savepoint and is rolled back as usual, and each test gets a deep copy of the
# objects, as Django's TestCase does with setUpTestData. The outer transaction is rolled back as
# soon as the next test does not use the same world (another world, a plain `db` test, a
# transactional test), so no other test ever sees its rows. A test whose database is already open
# before the world is asked for (e.g. `make_user` listed before `world`), a transactional test and
# a test that uses time_machine get a world of their own, built as before.


class _OpenWorld:
    key: tuple | None = None
    atomic = None
    value = None


_OPEN = _OpenWorld()
_TRANSACTIONAL_FIXTURES = {
    "transactional_db",
    "live_server",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


def _transactional(item) -> bool:
    if _TRANSACTIONAL_FIXTURES & set(item.fixturenames):
        return True
    marker = item.get_closest_marker("django_db")
    if marker is None:
        return False
    return bool(marker.kwargs.get("transaction") or (marker.args and marker.args[0]))


def _may_share(item) -> bool:
    return not _transactional(item) and "time_machine" not in item.fixturenames


def _shared_world_fixture(item) -> tuple | None:
    """(baseid, name) of the fixture of `item` that calls shared_world, if any."""
    definitions = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
    for name in item.fixturenames:
        defs = definitions.get(name)
        code = getattr(defs[-1].func, "__code__", None) if defs else None
        if code is not None and "shared_world" in code.co_names:
            return (defs[-1].baseid, name)
    return None


def _world_key(item) -> tuple | None:
    """The shared world the test asks for, if it may share one."""
    return _shared_world_fixture(item) if _may_share(item) else None


def _close_shared_world(config) -> None:
    from django.db import connection, transaction
    from pytest_django.plugin import blocking_manager_key

    atomic, _OPEN.key, _OPEN.atomic, _OPEN.value = _OPEN.atomic, None, None, None
    if atomic is None:
        return
    with config.stash[blocking_manager_key].unblock():
        if connection.atomic_blocks and connection.atomic_blocks[-1] is atomic:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
        else:  # something closed it already (e.g. a lost connection): just end it
            connection.atomic_blocks.clear()
            connection.set_autocommit(True, force_begin_transaction_with_broken_autocommit=True)


def shared_world(request, build):
    """The world `build()` makes, built once for consecutive tests (see above); call it from a
    function-scoped fixture that does NOT request `db` itself: it asks for `db` after the world."""
    import copy

    from django.db import connection, transaction

    key = (request._fixturedef.baseid, request.fixturename)
    if not _may_share(request.node):
        request.getfixturevalue("transactional_db" if _transactional(request.node) else "db")
        return build()
    request.getfixturevalue("django_db_setup")
    blocks = connection.atomic_blocks
    if blocks and not (_OPEN.atomic is not None and blocks == [_OPEN.atomic]):
        request.getfixturevalue("db")  # the test's transaction is open already
        return build()
    if _OPEN.key != key:
        _close_shared_world(request.config)
        with request.getfixturevalue("django_db_blocker").unblock():
            atomic = transaction.atomic()
            atomic.__enter__()
            atomic._from_testcase = True  # durable atomics in the code under test stay legal
            try:
                value = build()
            except BaseException:
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)
                raise
        _OPEN.key, _OPEN.atomic, _OPEN.value = key, atomic, value
    request.getfixturevalue("db")
    return copy.deepcopy(_OPEN.value)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if _OPEN.key is not None and _world_key(item) != _OPEN.key:
        _close_shared_world(item.config)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    result = yield  # the test's own fixtures (its transaction) are torn down first
    if _OPEN.key is not None and (nextitem is None or _world_key(nextitem) != _OPEN.key):
        _close_shared_world(item.config)
    return result


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

    from config.celery import app

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
            "config",
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


# --- The work group of the visits, pairings and reminders tests (every app's tests use it) ---
def give_role(user, role: Role) -> None:
    user.groups.add(Group.objects.get(name=role))
    if hasattr(user, "_lianxin_roles"):
        del user._lianxin_roles


@pytest.fixture
def group(db):
    """A work group with a leader and two cadres, each paired with households of its village."""
    workgroup = WorkGroupFactory()
    leader = CadreFactory(workgroup=workgroup, name="组长老王", user__email="wang@example.cn")
    give_role(leader.user, Role.GROUP_LEADER)
    workgroup.leader = leader
    workgroup.save(update_fields=["leader"])
    a = CadreFactory(workgroup=workgroup, name="干部甲", user__email="jia@example.cn")
    b = CadreFactory(workgroup=workgroup, name="干部乙")
    for cadre in (a, b):
        give_role(cadre.user, Role.CADRE)
    households = {
        "a": [PairingFactory(cadre=a).household for _ in range(3)],
        "b": [PairingFactory(cadre=b).household for _ in range(2)],
    }
    return {"workgroup": workgroup, "leader": leader, "a": a, "b": b, "households": households}


@pytest.fixture
def stray_household(db):
    return HouseholdFactory()
