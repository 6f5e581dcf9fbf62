"""The test harness itself (issue #14): cheap password hashing for every test, and one Redis
database per pytest-xdist worker so that the Celery worker a `worker` test starts never takes
another xdist worker's tasks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_every_test_user_is_hashed_with_the_cheap_hasher(make_user):
    # given the test settings; when a test creates a user
    from liaison.roles import Role

    user = make_user(Role.CADRE)
    # then its password is hashed with MD5 (PBKDF2 took ~0.9 s a user on a busy machine)
    assert user.password.startswith("md5$")
    assert user.check_password("Passw0rd!x")


def _broker_seen_by(worker: str, broker: str) -> str:
    env = {
        **os.environ,
        "PYTEST_XDIST_WORKER": worker,
        "CELERY_BROKER_URL": broker,
        "DJANGO_SECRET_KEY": "x",
    }
    env.pop("LIANXIN_TEST_BROKER_PER_WORKER", None)
    env.pop("CELERY_RESULT_BACKEND", None)
    code = "import os, tests.settings as s; print(s.CELERY_BROKER_URL, os.environ['CELERY_BROKER_URL'])"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


@pytest.mark.parametrize(
    ("worker", "expected"),
    [
        ("", "redis://127.0.0.1:6379/1"),
        ("gw0", "redis://127.0.0.1:6379/2"),
        ("gw1", "redis://127.0.0.1:6379/3"),
    ],
)
def test_each_xdist_worker_has_its_own_redis_database(worker, expected):
    # given the configured broker's database 1; when the settings load in an xdist worker
    seen = _broker_seen_by(worker, "redis://127.0.0.1:6379/1")
    # then the worker uses its own database, and passes it on to the processes it starts
    assert seen == f"{expected} {expected}"
