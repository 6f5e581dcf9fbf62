"""The project's settings for the test suite (pyproject's DJANGO_SETTINGS_MODULE).

Everything is config.settings except the password hasher: the production hashers are
deliberately slow (~0.9 s a user on a busy two-core machine) and the suite creates hundreds of
users. MD5 comes first, so every test user is hashed with it; the production hashers stay in the
list behind it, and a test that checks how passwords are stored in production sets
`settings.PASSWORD_HASHERS = PRODUCTION_PASSWORD_HASHERS` (pytest-django's `settings` fixture).
"""

import os

from django.conf import global_settings

from config.settings import *  # noqa: F403

# config.settings keeps Django's default list (PBKDF2 first) unless it names its own.
PRODUCTION_PASSWORD_HASHERS = list(
    globals().get("PASSWORD_HASHERS", global_settings.PASSWORD_HASHERS)
)

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    *PRODUCTION_PASSWORD_HASHERS,
]

# Static files: production's storage needs `collectstatic`'s manifest (hashed, compressed names).
# The tests render pages without one: plain names, served from the source tree (WhiteNoise's
# finders). The browser tests collect and serve production's storage themselves, once a session
# (tests/e2e/conftest.py, `served_static`).
PRODUCTION_STATIC_STORAGE = STORAGES["staticfiles"]  # noqa: F405
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# pytest-xdist: each worker process has its own test database (pytest-django appends _gw0, _gw1)
# and, when a Redis broker is configured, its own Redis database, so the Celery worker process a
# `worker` test starts consumes only the tasks of its own pytest worker (and `control.ping` hears
# only it). The value is written back to the environment: the Celery processes the tests start
# inherit it as it is and do not move it again.
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if (
    _XDIST_WORKER.startswith("gw")
    and CELERY_BROKER_URL.startswith("redis://")  # noqa: F405
    and not os.environ.get("LIANXIN_TEST_BROKER_PER_WORKER")
):
    from urllib.parse import urlsplit, urlunsplit

    _url = urlsplit(CELERY_BROKER_URL)  # noqa: F405
    _base = int(_url.path.strip("/") or 0)
    _db = (_base + 1 + int(_XDIST_WORKER[2:])) % 16
    CELERY_BROKER_URL = urlunsplit(_url._replace(path=f"/{_db}"))
    if not os.environ.get("CELERY_RESULT_BACKEND"):
        CELERY_RESULT_BACKEND = CELERY_BROKER_URL
    os.environ["CELERY_BROKER_URL"] = CELERY_BROKER_URL
    os.environ["LIANXIN_TEST_BROKER_PER_WORKER"] = "1"
