"""The admin pages other apps register (Django's groups, DRF tokens, 2FA devices, django-axes,
django-celery-beat) re-registered through the access policy, so that no admin page escapes it.

Each keeps its original ModelAdmin's behaviour; PolicyScopedAdmin is put in front of it, so rows,
choices and object permissions come from `liaison.admin_scope.SCOPES`: a township admin sees the
tokens and devices of its own township's users, beat schedules and role groups read-only, and
django-axes' lockout tables not at all.
"""

from __future__ import annotations

from importlib import import_module

from django.contrib import admin

from .admin_scope import PolicyScopedAdmin, ScopedChoicesMixin

# Importing the apps' admin modules first makes their registrations exist whatever the order
# of INSTALLED_APPS.
THIRD_PARTY_ADMIN_MODULES = (
    "django.contrib.auth.admin",
    "rest_framework.authtoken.admin",
    "django_otp.plugins.otp_totp.admin",
    "axes.admin",
    "django_celery_beat.admin",
)


def _rescope(site: admin.AdminSite, model) -> None:
    original = type(site._registry[model])
    if issubclass(original, PolicyScopedAdmin):
        return
    inlines = [
        inline
        if issubclass(inline, ScopedChoicesMixin)
        else type(f"Scoped{inline.__name__}", (ScopedChoicesMixin, inline), {})
        for inline in original.inlines
    ]
    scoped = type(f"Scoped{original.__name__}", (PolicyScopedAdmin, original), {"inlines": inlines})
    site.unregister(model)
    site.register(model, scoped)


def rescope_other_apps(site: admin.AdminSite = admin.site) -> None:
    for module in THIRD_PARTY_ADMIN_MODULES:
        import_module(module)
    ours = {"liaison", "households", "issues", "committees"}
    for model in list(site._registry):
        if model._meta.app_label not in ours:
            _rescope(site, model)


rescope_other_apps()
