"""Anonymous and per-user throttles whose rates are read at request time (DRF's own classes bind
the rates when first imported, so a settings change, e.g. in a test, would not reach them).

Every throttle identifies a client by core.audit.client_ip (X-Forwarded-For only behind
TRUSTED_PROXY_COUNT proxies), never by DRF's own reading of the header.

DRF checks throttles after permissions, so an anonymous request to a resource that needs a user
is answered 401 by the permission before any throttle counts it: the anonymous rate could never
fire there, and wrong tokens could be tried without limit. The anonymous throttle is therefore
charged during authentication (`charge_anonymous`, called by core.api.auth), once per request.
"""

from __future__ import annotations

from rest_framework import throttling
from rest_framework.exceptions import Throttled
from rest_framework.settings import api_settings

from core.audit import client_ip

# Set on the Django request once the anonymous throttle has counted it (never twice).
_CHARGED = "_lianxin_anon_throttle_charged"


class _LiveRate:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request):
        return client_ip(request) or "-"


class AnonThrottle(_LiveRate, throttling.AnonRateThrottle):
    """Requests without a user: by client address (`anon` rate)."""

    def allow_request(self, request, view):
        if getattr(_django_request(request), _CHARGED, False):
            return True  # already counted while authenticating
        return super().allow_request(request, view)


class UserThrottle(_LiveRate, throttling.UserRateThrottle):
    """Authenticated requests: by user (`user` rate)."""


class TokenObtainThrottle(_LiveRate, throttling.AnonRateThrottle):
    """Password guesses at the token endpoint: by client address (`token` rate)."""

    scope = "token"


def _django_request(request):
    return getattr(request, "_request", request)


class _AnonThrottleWhileAuthenticating(AnonThrottle):
    """The `anon` bucket of AnonThrottle, keyed without asking `request.user` (which is what
    is being worked out when this runs)."""

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def allow_request(self, request, view):
        return throttling.SimpleRateThrottle.allow_request(self, request, view)


def charge_anonymous(request) -> None:
    """Count one unauthenticated request (no credentials, or wrong or expired ones) against the
    `anon` rate of its address; raise Throttled (429) when the rate is spent."""
    view = (getattr(request, "parser_context", None) or {}).get("view")
    if getattr(view, "swagger_fake_view", False):
        return  # drf-spectacular introspecting a view with a made-up request: not a client
    target = _django_request(request)
    if getattr(target, _CHARGED, False):
        return
    setattr(target, _CHARGED, True)
    throttle = _AnonThrottleWhileAuthenticating()
    if not throttle.allow_request(request, None):
        raise Throttled(wait=throttle.wait())
