"""System checks for the security settings that `check --deploy` does not know about."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

MIN_AUDIT_RETENTION_DAYS = 183  # 等保2.0 安全审计: audit records kept at least six months


@register(Tags.security)
def audit_retention_check(app_configs=None, **kwargs):
    days = getattr(settings, "AUDIT_RETENTION_DAYS", 0)
    if days < MIN_AUDIT_RETENTION_DAYS:
        return [
            Error(
                f"AUDIT_RETENTION_DAYS is {days}; the audit trail must be kept at least "
                f"{MIN_AUDIT_RETENTION_DAYS} days (等保2.0, six months).",
                id="lianxin.E001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def content_security_policy_check(app_configs=None, **kwargs):
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
    scripts = policy.get("DIRECTIVES", {}).get("script-src") or policy.get("DIRECTIVES", {}).get(
        "default-src", []
    )
    if not scripts or any(s in ("'unsafe-inline'", "'unsafe-eval'", "*") for s in scripts):
        return [
            Warning(
                "CONTENT_SECURITY_POLICY must forbid inline and eval'd script.",
                id="lianxin.W001",
            )
        ]
    return []


LOCAL_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register(Tags.security, Tags.caches, deploy=True)
def shared_cache_check(app_configs=None, **kwargs):
    """The API throttles, the self-report limits and import progress count in the cache. An
    in-process cache gives each gunicorn worker its own counters: with N workers every limit
    is N times higher (and a dummy cache has no limit at all). Production sets CACHE_URL."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend in LOCAL_CACHES:
        return [
            Warning(
                f"The default cache is {backend.rsplit('.', 1)[-1]}: rate limits are counted "
                "per process, so several workers multiply them.",
                hint="Set CACHE_URL to a shared cache, e.g. CACHE_URL=redis://redis:6379/2.",
                id="lianxin.W002",
            )
        ]
    return []
