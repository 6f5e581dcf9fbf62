"""Fixtures of the fault tests: a private Redis server that a test may kill and restart, and real
`celery worker` / `celery beat` processes on it, sharing the PostgreSQL test database.

The private server (its own port, no persistence) is used so that killing it never disturbs the
Redis that the rest of the CI pass shares. Every wait is bounded and every process started here is
stopped in a finally block, even when the test fails."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.households.conftest import roster_rows, township  # noqa: F401 - roster tests

ROOT = Path(__file__).resolve().parents[3]


def wait_for(predicate, *, timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


def free_port(preferred: int = 6390) -> int:
    # one preferred port per pytest-xdist worker (gw0: 6390, gw1: 6391, ...), so two workers
    # never both find 6390 free and then start their servers on it
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    preferred += int(worker[2:]) if worker[2:].isdigit() else 0
    for port in (preferred, 0):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError("no free port")


class PrivateRedis:
    """`redis-server` on its own port, in the foreground, without persistence (or, with
    `appendonly=True`, with an fsync-always AOF in its own directory: a restart keeps the data,
    `restart(keep_data=False)` loses it as a failover to an empty replica would)."""

    def __init__(self, log_dir: Path, *, appendonly: bool = False):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log_dir = log_dir
        self.appendonly = appendonly
        self.data_dir = log_dir / f"redis-data-{self.port}"
        self.process: subprocess.Popen | None = None

    def restart(self, *, keep_data: bool) -> None:
        self.kill()
        if not keep_data:
            shutil.rmtree(self.data_dir, ignore_errors=True)
        self.start()

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"redis-{self.port}.log", "a")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "yes" if self.appendonly else "no",
                "--appendfsync", "always",
                "--dir", str(self.data_dir),
                "--daemonize", "no",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()
        if not wait_for(self.ping, timeout=15):
            self.kill()
            pytest.fail(f"private redis-server on port {self.port} did not start within 15 s")

    def kill(self) -> None:
        """SIGKILL: the broker disappears at once, as in a crash."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None
        assert wait_for(lambda: not self.ping(), timeout=5)


@pytest.fixture
def private_redis(tmp_path):
    redis = PrivateRedis(tmp_path)
    redis.start()
    try:
        yield redis
    finally:
        redis.kill()


def database_url() -> str:
    from django.db import connection

    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


class Processes:
    """Celery processes (worker, beat) on the private broker; stopped at teardown."""

    def __init__(self, broker_url: str, log_dir: Path):
        self.broker_url = broker_url
        self.log_dir = log_dir
        self.started: list[subprocess.Popen] = []
        self.last_error = ""

    def env(self, **extra) -> dict:
        return {
            **os.environ,
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": self.broker_url,
            "CELERY_RESULT_BACKEND": self.broker_url,
            "DJANGO_DEBUG": "0",
            "NOTIFICATION_BACKENDS": "core.notifications.inapp.InAppBackend",
            **extra,
        }

    def _spawn(self, args: list[str], log_name: str, env: dict) -> subprocess.Popen:
        log = open(self.log_dir / log_name, "a")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", *args],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.started.append(process)
        return process

    def worker(self, name: str = "w1", **env) -> subprocess.Popen:
        """A solo-pool worker; returns once it answers a ping (60 s at most)."""
        process = self._spawn(
            [
                "worker", "--pool=solo", "--concurrency=1", "--without-heartbeat",
                "--without-gossip", "--without-mingle", "--loglevel=INFO",
                "-n", f"{name}-{os.getpid()}@%h",
            ],
            f"worker-{name}.log",
            self.env(**env),
        )  # fmt: skip
        if not wait_for(lambda: self._answers(process, name), timeout=60, interval=0.5):
            pytest.fail(
                f"worker {name}: no ping answer in 60 s ({self.last_error}): {self.log(name)}"
            )
        return process

    def _answers(self, process: subprocess.Popen, name: str) -> bool:
        """Ready (first start) or reconnected (after the broker came back): the worker logs a
        'Connected to' line each time it (re)connects, and 'ready.' once at start-up."""
        if process.poll() is not None:
            pytest.fail(f"celery worker {name} exited: {self.log(name)}")
        return " ready." in self.log(name)

    def connections(self, name: str) -> int:
        return self.log(name).count("Connected to redis://")

    def beat(self, name: str, **env) -> subprocess.Popen:
        return self._spawn(
            ["beat", "--loglevel=INFO", "--pidfile=", "-s", str(self.log_dir / f"beat-{name}")],
            f"beat-{name}.log",
            self.env(**env),
        )

    def log(self, name: str, kind: str = "worker") -> str:
        path = self.log_dir / f"{kind}-{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    @staticmethod
    def kill9(process: subprocess.Popen) -> None:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    @staticmethod
    def stop(process: subprocess.Popen) -> None:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in reversed(self.started):
            try:
                self.stop(process)
            except Exception:  # noqa: BLE001 - keep stopping the others
                process.kill()


def reset_pools(app) -> None:
    app._pool = None  # noqa: SLF001
    app.amqp._producer_pool = None  # noqa: SLF001


@pytest.fixture
def celery_on_private_redis(private_redis, transactional_db, tmp_path):
    """Point this test process's Celery app at the private broker and give the test a way to
    start worker and beat processes on it (all stopped at teardown)."""
    from django.conf import settings
    from django.db import connection

    from config.celery import app

    if settings.CELERY_TASK_ALWAYS_EAGER or connection.vendor != "postgresql":
        pytest.fail("mark the test @pytest.mark.worker: it needs a broker and PostgreSQL")
    # Only the broker moves: the outbox publishes with ignore_result, and a result backend on the
    # private server would outlive it (the app caches its backend) and break later tests.
    saved = {key: app.conf[key] for key in ("broker_url", "broker_write_url")}
    app.conf.broker_url = app.conf.broker_write_url = private_redis.url
    reset_pools(app)  # drop connections to the configured broker
    processes = Processes(private_redis.url, tmp_path)
    try:
        yield processes
    finally:
        processes.stop_all()
        for key, value in saved.items():
            app.conf[key] = value
        reset_pools(app)


from tests.issues.conftest import new_issue, world  # noqa: E402, F401 - the issue-loop world
