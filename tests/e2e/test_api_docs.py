"""The API documentation renders in Chromium from vendored assets (no CDN) under the
Content-Security-Policy: Swagger UI lists the operations, ReDoc the resources."""

from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import login, screenshot
from tests.factories import CadreFactory, UserFactory

pytestmark = [pytest.mark.e2e]


def _watch(page, live_server):
    """Record CSP violations, console errors and responses from any other host."""
    seen = {"errors": [], "foreign": []}
    host = urlsplit(live_server.url).netloc
    page.on(
        "console",
        lambda m: seen["errors"].append(m.text) if m.type == "error" else None,
    )
    page.on(  # anything actually fetched from another host (a CSP-blocked attempt is not)
        "response",
        lambda r: (
            seen["foreign"].append(r.url)
            if urlsplit(r.url).netloc not in (host, "") and not r.url.startswith(("data:", "blob:"))
            else None
        ),
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('CSP ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    return seen


def test_swagger_ui_renders_every_operation(page, live_server, transactional_db):
    from liaison.roles import Role

    user = UserFactory(username="apiadmin", roles=[Role.ADMIN])
    CadreFactory(user=user)
    login(page, "apiadmin", "Passw0rd!x")
    seen = _watch(page, live_server)
    page.goto("/api/docs/")
    page.wait_for_selector(".opblock")
    operations = page.locator(".opblock")
    assert operations.count() >= 40
    assert page.get_by_text("诉求列表（可筛选、搜索、排序、分页）").first.is_visible()
    # open one operation: the Chinese example is there
    page.locator(".opblock-summary", has_text="/api/v1/issues/{id}/triage/").first.click()
    page.wait_for_selector(".opblock.is-open")
    assert "committee" in page.locator(".opblock.is-open").inner_text()
    screenshot(page, "api-docs-swagger")
    screenshot(page, "api-docs-swagger-top", full_page=False)
    assert [e for e in seen["errors"] if "CSP" in e] == []
    assert seen["foreign"] == []


def test_redoc_renders_the_resources(page, live_server, transactional_db):
    seen = _watch(page, live_server)
    page.goto("/api/redoc/")
    page.wait_for_selector("h1")
    page.get_by_text("登记诉求（有记录）").first.wait_for(state="attached")
    page.get_by_role("menuitem", name="issues").first.click()
    screenshot(page, "api-docs-redoc")
    screenshot(page, "api-docs-redoc-top", full_page=False)
    # The only thing the CSP stops is the bundle's hard-coded footer logo from cdn.redoc.ly.
    blocked = [e for e in seen["errors"] if "CSP" in e]
    assert blocked in ([], ["CSP img-src https://cdn.redoc.ly/redoc/logo-mini.svg"])
    assert seen["foreign"] == []
