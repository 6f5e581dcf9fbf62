"""The resident's self-report through the contact card's QR code: household from a signed
token, a per-IP and per-household rate limit, and an anti-abuse check (honeypot field, an
arithmetic question and a minimum fill time, carried in one signed challenge)."""

from __future__ import annotations

import random
import time

from django.core import signing
from django.core.cache import cache

CHALLENGE_SALT = "lianxin.issue-report-challenge"
HOUSEHOLD_SALT = "lianxin.household-report"  # noqa: S105 - a signing salt
MIN_FILL_SECONDS = 3
MAX_FILL_SECONDS = 2 * 60 * 60
PER_IP = (5, 60 * 60)  # five reports an hour from one address
PER_HOUSEHOLD = (5, 24 * 60 * 60)  # five a day for one household


def household_from_token(token: str):
    """The households app signs the token; fall back to the same scheme if it is not there."""
    try:
        from households.services import household_from_report_token
    except ImportError:
        from households.models import Household

        pk = signing.loads(token, salt=HOUSEHOLD_SALT)
        return Household.objects.get(pk=pk)
    return household_from_report_token(token)


def new_challenge(rng: random.Random | None = None) -> tuple[str, str]:
    """(question, signed token) — the token holds the numbers and the time the form was shown."""
    rng = rng or random.SystemRandom()
    a, b = rng.randint(1, 9), rng.randint(1, 9)
    token = signing.dumps({"a": a, "b": b, "t": time.time()}, salt=CHALLENGE_SALT)
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
    return None


def _hit(key: str, limit: int, window: int) -> bool:
    """Count one use; True when the limit is exceeded."""
    cache.add(key, 0, window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        count = 1
    return count > limit


def rate_limited(*, ip: str, household_id: int) -> bool:
    over_ip = _hit(f"issues:self-report:ip:{ip}", *PER_IP)
    over_household = _hit(f"issues:self-report:hh:{household_id}", *PER_HOUSEHOLD)
    return over_ip or over_household
