"""The settings switch: SQLite vs PostgreSQL from DATABASE_URL, eager vs broker Celery, DEBUG and
SECRET_KEY rules. Each case imports the settings module in a fresh interpreter."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json; from django.conf import settings as s; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], "
    "'name': str(s.DATABASES['default']['NAME']), "
    "'health': s.DATABASES['default'].get('CONN_HEALTH_CHECKS'), "
    "'eager': s.CELERY_TASK_ALWAYS_EAGER, 'broker': s.CELERY_BROKER_URL, 'debug': s.DEBUG, "
    "'lang': s.LANGUAGE_CODE, 'tz': s.TIME_ZONE, 'use_tz': s.USE_TZ}))"
)
CLEAN = {
    k: v
    for k, v in os.environ.items()
    if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "REDIS_"))
}


def load_settings(**env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {PROBE}"],
        cwd=ROOT,
        env={**CLEAN, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def settings_with(**env) -> dict:
    result = load_settings(**env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_no_database_url_means_sqlite_under_var_and_eager_celery():
    s = settings_with(DJANGO_SECRET_KEY="k" * 50)
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["name"].endswith("var/lianxin.sqlite3")
    assert s["eager"] is True
    assert s["broker"] == "memory://"
    assert (s["lang"], s["tz"], s["use_tz"]) == ("zh-hans", "Asia/Shanghai", True)


def test_database_url_means_postgresql_with_health_checks():
    s = settings_with(
        DJANGO_SECRET_KEY="k" * 50, DATABASE_URL="postgres://postgres@127.0.0.1:5432/lianxin"
    )
    assert s["engine"] == "django.db.backends.postgresql"
    assert s["name"] == "lianxin"
    assert s["health"] is True


@pytest.mark.parametrize("var", ["CELERY_BROKER_URL", "REDIS_URL"])
def test_broker_url_means_a_real_broker(var):
    s = settings_with(DJANGO_SECRET_KEY="k" * 50, **{var: "redis://127.0.0.1:6379/0"})
    assert s["eager"] is False
    assert s["broker"] == "redis://127.0.0.1:6379/0"


def test_debug_is_off_unless_asked():
    assert settings_with(DJANGO_SECRET_KEY="k" * 50)["debug"] is False
    assert settings_with(DJANGO_DEBUG="1")["debug"] is True


def test_secret_key_is_required_when_debug_is_off():
    result = load_settings()
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_debug_refuses_a_production_secret():
    result = load_settings(
        DJANGO_DEBUG="1", DJANGO_SECRET_KEY="a-real-production-secret-" + "x" * 30
    )
    assert result.returncode != 0
    assert "production secret" in result.stderr
