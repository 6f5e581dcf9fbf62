"""Absolute session lifetime: a session ends 12 hours after login however active it is.
No caching of responses with personal data."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils.cache import patch_cache_control

SESSION_STARTED_KEY = "lianxin_session_started"


class AbsoluteSessionLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.get(SESSION_STARTED_KEY)
            now = int(time.time())
            if started is None:
                request.session[SESSION_STARTED_KEY] = now
            elif now - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                return redirect(settings.LOGIN_URL)
        return self.get_response(request)


class NoStoreMiddleware:
    """Responses with personal data are never cached (ASVS 14.2.2/14.3.2): every response to a
    signed-in user and every response of the API (token requests included) gets
    `Cache-Control: no-store, private`. Static files (WhiteNoise answers before this runs) and
    anonymous pages such as the login form stay cacheable."""

    API_PREFIX = "/api/"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.path.startswith(self.API_PREFIX) or getattr(user, "is_authenticated", False):
            patch_cache_control(response, no_store=True, private=True)
        return response
