"""The resident's self-report through the contact card's QR code: household from a signed
token, a per-IP and per-household rate limit, and an anti-abuse check (honeypot field, an
arithmetic question and a minimum fill time, carried in one signed challenge that can be
solved once: a solved challenge is remembered in the cache until it would have expired anyway,
so replaying the same form is refused (the cache must be shared between workers: CACHE_URL)."""

from __future__ import annotations

import hashlib
import random
import secrets
import time

from django.core import signing
from django.core.cache import cache

from households.contact_cards import household_from_report_token

CHALLENGE_SALT = "lianxin.issue-report-challenge"
MIN_FILL_SECONDS = 3
MAX_FILL_SECONDS = 2 * 60 * 60
PER_IP = (5, 60 * 60)  # five reports an hour from one address
PER_HOUSEHOLD = (5, 24 * 60 * 60)  # five a day for one household


def household_from_token(token: str):
    """The household of a contact card's link; signing.BadSignature when the link is forged or
    its card run was retired (households.contact_cards)."""

    return household_from_report_token(token)


def new_challenge(rng: random.Random | None = None) -> tuple[str, str]:
    """(question, signed token) — the token holds the numbers and the time the form was shown."""
    rng = rng or random.SystemRandom()
    a, b = rng.randint(1, 9), rng.randint(1, 9)
    payload = {"a": a, "b": b, "t": time.time(), "n": secrets.token_urlsafe(8)}
    token = signing.dumps(payload, salt=CHALLENGE_SALT)
    return f"{a} + {b} = ?", token


def challenge_error(token: str, answer, honeypot: str) -> str | None:
    """None when the form looks human; otherwise the reason (shown kindly, logged plainly)."""
    if honeypot:
        return "honeypot"
    try:
        data = signing.loads(token, salt=CHALLENGE_SALT, max_age=MAX_FILL_SECONDS)
    except signing.BadSignature:
        return "expired"
    if time.time() - data["t"] < MIN_FILL_SECONDS:
        return "too_fast"
    if answer != data["a"] + data["b"]:
        return "wrong_answer"
    if not _first_use(token):
        return "reused"
    return None


def _first_use(token: str) -> bool:
    """Mark a solved challenge as used; False when it was used before (a replayed form)."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    return cache.add(f"issues:self-report:challenge:{digest}", 1, MAX_FILL_SECONDS + 60)


def hit(key: str, limit: int, window: int) -> bool:
    """Count one use; True when the limit is exceeded (also the status page's limits)."""
    cache.add(key, 0, window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        count = 1
    return count > limit


def peek(key: str) -> int:
    """The count so far under `key` (0 when none)."""
    return int(cache.get(key) or 0)


def rate_limited(*, ip: str, household_id: int) -> bool:
    over_ip = hit(f"issues:self-report:ip:{ip}", *PER_IP)
    over_household = hit(f"issues:self-report:hh:{household_id}", *PER_HOUSEHOLD)
    return over_ip or over_household
