"""The cache is optional at request time: with Redis down, a cache read is a miss and a write is
dropped (with a log line and a counter), so the API's throttles fail open, import progress falls
back to the database's figure, and every page and API answer still comes back.

Settings pick this backend for a redis:// CACHE_URL (config/settings.py). `cache_failures()` is
the counter (per process), shown by `manage.py check_cache`-style probes and the tests.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)
LOG_EVERY = 30.0  # seconds between two log lines while the cache stays down

_lock = threading.Lock()
_state = {"failures": 0, "logged_at": 0.0}


def cache_failures() -> int:
    """How many cache operations this process answered without the cache."""
    return _state["failures"]


def _failed(operation: str, exc: Exception) -> None:
    with _lock:
        _state["failures"] += 1
        now = time.monotonic()
        if now - _state["logged_at"] < LOG_EVERY:
            return
        _state["logged_at"] = now
    log.warning(
        "cache unavailable (%s: %s): failing open; %d operation(s) so far",
        operation,
        exc,
        _state["failures"],
    )


def _fail_open(name: str, fallback):
    def method(self, *args, **kwargs):
        try:
            return getattr(super(FailOpenRedisCache, self), name)(*args, **kwargs)
        except ERRORS as exc:
            _failed(name, exc)
            return fallback(*args, **kwargs) if callable(fallback) else fallback

    method.__name__ = name
    return method


class FailOpenRedisCache(RedisCache):
    """Django's Redis cache whose operations never raise for a Redis that is down."""

    get = _fail_open("get", lambda key, default=None, version=None: default)
    get_many = _fail_open("get_many", {})
    has_key = _fail_open("has_key", False)
    add = _fail_open("add", False)
    set = _fail_open("set", None)
    set_many = _fail_open("set_many", lambda data, *a, **k: list(data))
    touch = _fail_open("touch", False)
    delete = _fail_open("delete", False)
    delete_many = _fail_open("delete_many", None)
    incr = _fail_open("incr", lambda key, delta=1, version=None: delta)
    clear = _fail_open("clear", False)
