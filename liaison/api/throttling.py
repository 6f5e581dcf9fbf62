"""Anonymous and per-user throttles whose rates are read at request time (DRF's own classes bind
the rates when first imported, so a settings change, e.g. in a test, would not reach them)."""

from __future__ import annotations

from rest_framework import throttling
from rest_framework.settings import api_settings


class _LiveRate:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonThrottle(_LiveRate, throttling.AnonRateThrottle):
    """Requests without a user: by client address (`anon` rate)."""


class UserThrottle(_LiveRate, throttling.UserRateThrottle):
    """Authenticated requests: by user (`user` rate)."""


class TokenObtainThrottle(_LiveRate, throttling.AnonRateThrottle):
    """Password guesses at the token endpoint: by client address (`token` rate)."""

    scope = "token"
