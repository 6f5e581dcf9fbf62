"""The installable app (issue 18): manifest, service worker, and the offline diary page it caches
(only what the role already sees, masked)."""

import json

from django.contrib.staticfiles import finders
from django.urls import reverse

from core.security.services import account_require_password_change
from issues.services import issue_report
from liaison.roles import Role
from tests.conftest import create_user
from visits.pwa import CACHE_HEADER, SHELL


def test_the_manifest_is_installable_json_at_a_stable_url(client):
    response = client.get("/manifest.webmanifest")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")
    manifest = json.loads(response.content)
    assert manifest["name"].startswith("连心") and manifest["short_name"] == "连心"
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_the_service_worker_is_served_from_the_root_with_the_shell_to_precache(client):
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    config = json.loads(response.content.decode().split("\n", 1)[0][len("self.LIANXIN = ") : -1])
    assert config["diaryUrl"] == reverse("pwa:diary")
    assert len(config["precache"]) == len(SHELL)
    for path in SHELL:  # every precached file exists, or the worker would never install
        assert finders.find(path), path


def test_every_page_links_the_manifest_and_registers_the_worker(client, group):
    client.force_login(group["a"].user)
    body = client.get("/").content.decode()
    assert 'rel="manifest" href="/manifest.webmanifest"' in body
    assert 'data-sw="/sw.js"' in body and "pwa/app.js" in body
    assert 'data-testid="offline-banner"' in body


def test_the_diary_lists_only_my_households_masked_and_asks_to_be_cached(client, group):
    cadre = group["a"]
    mine, theirs = group["households"]["a"][0], group["households"]["b"][0]
    issue_report(actor=cadre.user, household=mine, description="自来水管漏水")
    issue_report(actor=group["b"].user, household=theirs, description="邻居家的诉求")
    client.force_login(cadre.user)

    response = client.get(reverse("pwa:diary"))

    body = response.content.decode()
    assert response.status_code == 200
    assert response[CACHE_HEADER] == "cache"
    for household in group["households"]["a"]:
        assert household.code in body
        assert household.phone not in body  # the full number is never on the cached page
        assert household.masked_phone in body
    assert theirs.code not in body and "邻居家的诉求" not in body
    assert "自来水管漏水" in body
    assert 'data-testid="offline-contact-day"' in body


def test_a_village_handler_gets_the_diary_without_the_visit_form(client, db):
    handler = create_user(Role.VILLAGE_HANDLER)
    client.force_login(handler)
    body = client.get(reverse("pwa:diary")).content.decode()
    assert 'data-testid="pending-section"' in body
    assert 'data-testid="offline-form"' not in body


def test_the_diary_needs_a_sign_in(client):
    response = client.get(reverse("pwa:diary"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_diary_reads_in_english_once_english_is_chosen(client, group, settings):
    client.force_login(group["a"].user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(reverse("pwa:diary")).content.decode()
    assert "Offline visit diary" in body and "waiting to sync" in body
    assert "You are offline." in body


def test_the_visit_form_leads_to_the_offline_diary(client, group):
    client.force_login(group["a"].user)
    body = client.get(reverse("liaison:visit-new")).content.decode()
    assert f'href="{reverse("pwa:diary")}" data-testid="to-offline-diary"' in body


def test_the_worker_and_manifest_are_served_during_a_pending_security_step(client, group):
    """A first-login password change redirects every page, but not the worker's script: a
    redirected script would fail the registration on the password page itself."""
    user = group["a"].user
    account_require_password_change(user=user, actor=None)
    client.force_login(user)
    assert client.get("/").status_code == 302
    assert client.get("/sw.js").status_code == 200
    assert client.get("/manifest.webmanifest").status_code == 200
