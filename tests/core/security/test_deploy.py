"""Production settings: `check --deploy` clean, DEBUG never with a production secret, and the
security headers on every page (CSP without inline script, frame denial, referrer policy)."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from core.security.checks import audit_retention_check, content_security_policy_check
from liaison.roles import Role

ROOT = Path(__file__).resolve().parents[3]
CLEAN = {
    k: v
    for k, v in os.environ.items()
    if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "REDIS_", "FIELD_"))
}
PRODUCTION = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_DEBUG": "0",
    "DJANGO_HTTPS": "1",
    "DJANGO_PRODUCTION": "1",
    "DJANGO_ALLOWED_HOSTS": "lianxin.example.gov.cn",
    "FIELD_ENCRYPTION_KEY": "m1Yz3yYb8y1VJ1c7Yl0xg3Qm0Sx6QwN6m2lEw1xk3lM=",
    "CACHE_URL": "redis://redis:6379/2",  # shared rate limits (lianxin.W002 without)
}


def manage(*args, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**CLEAN, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_without_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_without_https():
    env = {**PRODUCTION, "DJANGO_HTTPS": "0"}
    result = manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout  # no HSTS


def test_debug_refuses_to_start_with_a_production_secret():
    result = manage("check", **{**PRODUCTION, "DJANGO_DEBUG": "1"})
    assert result.returncode != 0
    assert "refusing to start" in result.stderr


def test_the_custom_security_checks():
    with override_settings(AUDIT_RETENTION_DAYS=90):
        assert [e.id for e in audit_retention_check()] == ["lianxin.E001"]
    assert audit_retention_check() == []
    assert content_security_policy_check() == []
    weak = {"DIRECTIVES": {"default-src": ["'self'"], "script-src": ["'self'", "'unsafe-inline'"]}}
    with override_settings(CONTENT_SECURITY_POLICY=weak):
        assert [w.id for w in content_security_policy_check()] == ["lianxin.W001"]


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [False, True])
def test_security_headers_on_pages(client, make_user, signed_in):
    if signed_in:
        client.force_login(make_user(Role.CADRE))
    response = client.get(reverse("home" if signed_in else "login"))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


def template_files():
    dirs = [ROOT / "templates", *ROOT.glob("*/templates")]
    return sorted(p for d in dirs for p in d.rglob("*.html") if ".venv" not in p.parts)


def inline_script_offences(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    found = [
        f"<script{attrs}>"
        for attrs in SCRIPT_TAG.findall(text)
        if "src=" not in attrs and "application/json" not in attrs
    ]
    found += [m.group(0) for m in INLINE_HANDLER.finditer(text)]
    found += [marker for marker in ("javascript:", "hx-on") if marker in text]
    return found


def test_no_template_has_inline_script_the_policy_would_block():
    offenders = {
        str(path.relative_to(ROOT)): found
        for path in template_files()
        if (found := inline_script_offences(path))
    }
    # Move page code to static/js/ (static/js/lianxin.js offers data-print, data-check-all,
    # data-form-controls and data-autosubmit); the policy blocks inline script in the browser.
    assert offenders == {}


def test_the_inline_script_scan_finds_what_the_policy_blocks(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        '<script>alert(1)</script><button onclick="go()"></button>'
        '<script src="/static/a.js"></script><script type="application/json">{}</script>'
    )
    assert inline_script_offences(page) == ["<script>", " onclick="]
    page.write_text('<select data-autosubmit></select><script src="/static/a.js"></script>')
    assert inline_script_offences(page) == []


def test_check_passes_in_process():
    call_command("check", fail_level="ERROR")
