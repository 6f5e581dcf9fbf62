"""Keeps a signed-in user on the security pages until their account is in order:
1. a confirmed TOTP device exists but this session has not been verified → verify page;
2. the password is an initial one set by an administrator → password change page;
3. their role must use a second factor and they have no device → enrol page.

The pending step is worked out once, at login, and kept in the session (so ordinary requests
cost no query); the security views refresh it when the user completes a step.
"""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from core.security import rules

PENDING_KEY = "lianxin_security_pending"
# Paths a user with a pending step may still reach (prefixes).
# The PWA's service worker and manifest hold no personal data; redirecting them would make the
# browser report a failed registration on the security step's own page.
ALWAYS_OPEN = (
    "/static/", "/i18n/", "/accounts/logout/", "/favicon.ico", "/jsi18n/", "/sw.js",
    "/manifest.webmanifest",
)  # fmt: skip
# What an API client is told to do about each pending step.
API_CODES = {
    "security:totp-verify": "otp_required",
    "password_change": "change_password_required",
    "security:totp-enrol": "two_factor_enrollment_required",
}


def compute_pending_step(user, *, verified: bool) -> str:
    if not verified and rules.has_confirmed_device(user):
        return "security:totp-verify"
    if rules.must_change_password(user):
        return "password_change"
    if not verified and rules.second_factor_required(user):
        return "security:totp-enrol"
    return ""


def refresh_pending_step(request, user) -> str:
    verified = bool(getattr(user, "is_verified", lambda: False)())
    step = compute_pending_step(user, verified=verified)
    request.session[PENDING_KEY] = step
    return step


class AccountSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            step = request.session.get(PENDING_KEY)
            if step is None:  # a session from before this control existed
                step = refresh_pending_step(request, user)
            if step and not request.path.startswith((*ALWAYS_OPEN, reverse(step))):
                if request.headers.get("HX-Request"):
                    # nothing for htmx fragments: a redirect would swap the security page
                    # into a widget (which then loads itself again)
                    return HttpResponse(status=204)
                if request.path.startswith("/api/"):
                    # the same codes as the token request (core.api.auth)
                    return JsonResponse(
                        {
                            "detail": "账号安全设置未完成，请先在网页端完成。",
                            "code": API_CODES[step],
                        },
                        status=403,
                    )
                return redirect(f"{reverse(step)}?next={quote(request.get_full_path())}")
        return self.get_response(request)
