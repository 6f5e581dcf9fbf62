"""Issue 18 at 390×844 in Chromium: the cadre's phone journey works offline and syncs exactly once.

Log in, the app installs (manifest, service worker controlling the page), go offline
(`context.set_offline(True)`), record visits (one raising a demand, one with a photo), reload
offline (the shell and the pending list survive), go online and watch them sync; replay the same
sync requests and two concurrent sends and find each record stored once; a record the server
refuses (pairing ended meanwhile) stays queued with its message until fixed; signing out wipes the
phone's store."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from liaison import services as liaison_services
from liaison.roles import Role
from tests.e2e.conftest import DB_LOCK, PHONE, login, screenshot
from tests.factories import (
    CadreFactory,
    HouseholdFactory,
    PairingFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
    WorkGroupFactory,
)
from visits.models import OfflineReceipt, Visit

pytestmark = [pytest.mark.e2e]
PASSWORD = "Passw0rd!x"


@pytest.fixture
def world(transactional_db):
    township = TownshipFactory(code="qx", name="青溪镇")
    village = VillageFactory(township=township, name="东村")
    group = WorkGroupFactory(township=township, village=village, name="东村工作组")
    cadre = CadreFactory(
        user=UserFactory(username="wang", roles=[Role.CADRE]),
        township=township, workgroup=group, name="王干部",
    )  # fmt: skip
    other = CadreFactory(
        user=UserFactory(username="li", roles=[Role.CADRE]),
        township=township, workgroup=group, name="李干部",
    )  # fmt: skip
    households = {}
    for n in range(1, 4):
        household = HouseholdFactory(
            township=township, village=village, code=f"E{n:03d}", head_name=f"赵{n}",
            address=f"东村幸福路{n}号", phone=f"1390000{n:04d}",
        )  # fmt: skip
        PairingFactory(cadre=cadre, household=household)
        households[household.code] = household
    return {"cadre": cadre, "other": other, "households": households}


def big_photo() -> dict:
    """A 2400×1600 photo, as a phone camera would give: the page must shrink it."""
    buffer = io.BytesIO()
    Image.new("RGB", (2400, 1600), (40, 120, 200)).save(buffer, "JPEG", quality=95)
    return {"name": "门口台阶.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def controlled(page) -> None:
    """Wait until the service worker is active and controls the page. A page whose navigation
    began before the worker activated stays uncontrolled: it is loaded again, as a person would."""
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("() => !!navigator.serviceWorker.controller"):
        page.reload(wait_until="load")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")


def installed(page) -> None:
    """Wait until the service worker controls the page and holds the diary for offline use."""
    controlled(page)
    page.reload(wait_until="load")  # now through the worker, which keeps the diary page
    page.wait_for_function(
        "async () => !!(await (await caches.open('lianxin-pages')).match(location.href))"
    )


def record(page, household: str, notes: str, *, demand: str = "", photo: dict | None = None):
    page.select_option("[data-testid=offline-household]", label=household)
    page.fill("[data-testid=offline-notes]", notes)
    if photo:
        page.set_input_files("[data-testid=offline-photos]", files=[photo])
    if demand:
        page.check("[data-testid=offline-raise]")
        page.fill("[data-testid=offline-issue]", demand)
    page.click("[data-testid=offline-save]")


def test_a_cadre_records_visits_offline_and_they_sync_exactly_once(world, new_page):
    from issues.models import Issue

    page = new_page(viewport=PHONE)
    login(page, "wang", PASSWORD)
    page.goto("/diary/")
    installed(page)
    assert "1390000" not in page.content()  # masked numbers only: 139****0001
    assert "139****0001" in page.locator("[data-testid=offline-households]").inner_text()

    # No signal.
    page.context.set_offline(True)
    expect(page.locator("[data-testid=offline-banner]")).to_be_visible()
    record(page, "赵1 · E001", "老人身体尚好，门口台阶太高。", photo=big_photo())
    expect(page.locator("[data-testid=pending-title]")).to_have_text("待同步 1 条")
    record(page, "赵2 · E002", "反映村道路灯坏了。", demand="村道路灯坏了三盏，晚上出行不便")
    expect(page.locator("[data-testid=pending-title]")).to_have_text("待同步 2 条")
    record(page, "赵3 · E003", "家中无人，留了联系卡。")
    expect(page.locator("[data-testid=pending-title]")).to_have_text("待同步 3 条")
    expect(page.locator("[data-testid=pending-indicator]")).to_contain_text("待同步 3 条")
    screenshot(page, "offline-01-three-visits-queued")

    # Meanwhile the group leader moves 赵3 to another cadre: that record will be refused.
    with DB_LOCK:
        liaison_services.pairing_assign(
            actor=world["other"].user,
            cadre=world["other"],
            household_ids=[world["households"]["E003"].pk],
        )

    # A reload without a signal: the shell and the queue survive.
    page.reload(wait_until="load")
    expect(page.locator("[data-testid=diary-title]")).to_be_visible()
    expect(page.locator("[data-testid=offline-banner]")).to_be_visible()
    expect(page.locator("[data-testid=pending-title]")).to_have_text("待同步 3 条")
    expect(page.locator("[data-testid=record][data-status=pending]")).to_have_count(3)
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith('"Noto')
    assert page.evaluate("!!document.querySelector('link[href*=bootstrap]').sheet.cssRules.length")
    screenshot(page, "offline-02-reloaded-offline")
    assert not Visit.objects.exists()
    # Keep a copy of what is about to be sent, photos included, to replay it afterwards.
    page.evaluate("LianxinQueue.mine(LianxinApp.userId).then(r => { window.__sent = r; })")

    # The signal returns: the queue is sent.
    page.context.set_offline(False)
    expect(page.locator("[data-testid=record][data-status=synced]")).to_have_count(2)
    refused = page.locator("[data-testid=record][data-status=refused]")
    expect(refused).to_have_count(1)
    expect(refused.locator("[data-testid=record-message]")).to_contain_text("结对")
    expect(page.locator("[data-testid=pending-title]")).to_have_text("待同步 1 条")
    screenshot(page, "offline-03-synced-one-refused")

    visits = {v.household.code: v for v in Visit.objects.select_related("household")}
    assert sorted(visits) == ["E001", "E002"]
    (photo,) = visits["E001"].photos.all()
    with photo.image.open("rb") as handle:
        assert max(Image.open(handle).size) <= 1280  # resized in the browser
    assert Issue.objects.get().description == "村道路灯坏了三盏，晚上出行不便"
    receipt = OfflineReceipt.objects.get(visit=visits["E001"])
    assert receipt.captured_at < receipt.received_at

    # Replay what the phone sent (the same records, the same requests built by the queue):
    # each is answered with the stored visit and nothing is stored twice.
    replayed = page.evaluate(
        """async () => {
        const csrf = document.getElementById('lx-pwa').dataset.csrf;
        return Promise.all(window.__sent.map(async record => {
          const r = await fetch('/api/v1/visits/', {method: 'POST', body: LianxinQueue.formOf(record),
                                headers: {'X-CSRFToken': csrf}});
          return [r.status, (await r.json()).id || null];
        }));
      }"""
    )
    ids = {visits["E001"].pk, visits["E002"].pk}
    assert sorted(replayed)[:2] == sorted([200, pk] for pk in ids)
    assert sorted(replayed)[2][0] == 403  # the refused one is refused again
    assert Visit.objects.count() == 2 and Issue.objects.count() == 1
    assert visits["E001"].photos.count() == 1
    # Two tabs sending one record at the same moment store it once.
    statuses = page.evaluate(
        """async () => {
        const form = () => {
          const f = new FormData();
          f.append('client_uuid', '0b7f8c3e-6f4c-4a43-9d61-3d1c9d0f1a11');
          f.append('household', document.querySelector('[data-testid=offline-household] option[value]:not([value=""])').value);
          // today on the phone's clock (the browser runs in Asia/Shanghai), not in UTC: between
          // 00:00 and 08:00 there the UTC date is yesterday, before the pairing began
          const d = new Date();
          f.append('visited_on', [d.getFullYear(), String(d.getMonth() + 1).padStart(2, '0'),
                                  String(d.getDate()).padStart(2, '0')].join('-'));
          f.append('notes', '两个标签页同时发送');
          return f;
        };
        const csrf = document.getElementById('lx-pwa').dataset.csrf;
        const send = () => fetch('/api/v1/visits/', {method: 'POST', body: form(),
                                  headers: {'X-CSRFToken': csrf}}).then(r => r.status);
        return (await Promise.all([send(), send()])).sort();
      }"""
    )
    assert statuses == [200, 201]
    assert Visit.objects.count() == 3 and Issue.objects.count() == 1
    assert Visit.objects.filter(notes="两个标签页同时发送").count() == 1

    # The refused record is fixed (the right household) and sent again.
    refused.locator("[data-testid=record-edit]").click()
    # the form is filled from IndexedDB, asynchronously: change it only once it holds the record
    expect(page.locator("[data-testid=offline-save]")).to_contain_text("保存修改")
    page.select_option("[data-testid=offline-household]", label="赵1 · E001")
    page.click("[data-testid=offline-save]")
    expect(page.locator("[data-testid=record][data-status=synced]")).to_have_count(3)
    expect(page.locator("[data-testid=pending-title]")).to_have_text("待同步 0 条")
    assert Visit.objects.filter(notes="家中无人，留了联系卡。").count() == 1

    # Signing out leaves nothing of the diary on the phone.
    page.evaluate("document.querySelector('form[data-logout]').requestSubmit()")
    page.wait_for_url("**/accounts/login/**")
    # (the login page's own check must not bring an empty store back: waited on, then read)
    page.wait_for_load_state("networkidle")
    left = page.evaluate(
        """async () => ({dbs: (await indexedDB.databases()).map(d => d.name),
                         caches: await caches.keys()})"""
    )
    assert "lianxin-offline" not in left["dbs"]
    assert "lianxin-pages" not in left["caches"]
    # A sync still under way at sign-out (the service worker's) writes its answer back after the
    # wipe: it must not bring the store, or the record, back. Reads create nothing either.
    late = page.evaluate(
        """async () => {
        await LianxinQueue.update({id: 'late', status: 'synced'});
        await LianxinQueue.all();
        await LianxinQueue.getMeta();
        await LianxinQueue.sync({apiUrl: '/api/v1/visits/'});
        return (await indexedDB.databases()).map(d => d.name);
      }"""
    )
    assert "lianxin-offline" not in late


def test_the_app_is_installable_and_its_start_url_opens_offline(world, new_page):
    """What Lighthouse's installability audit checks: a manifest with a name, a start URL in
    scope, standalone display and 192 px and 512 px icons; a service worker that controls the
    start URL and answers it without a network."""
    page = new_page(viewport=PHONE)
    login(page, "wang", PASSWORD)
    controlled(page)
    found = page.evaluate(
        """async () => {
        const link = document.querySelector('link[rel=manifest]');
        const response = await fetch(link.href);
        const manifest = await response.json();
        const sizes = {};
        for (const icon of manifest.icons) {
          const img = new Image();
          img.src = icon.src;
          await img.decode();
          sizes[icon.sizes + (icon.purpose ? ' ' + icon.purpose : '')] = img.naturalWidth + 'x' + img.naturalHeight;
        }
        const registration = await navigator.serviceWorker.getRegistration('/');
        return {type: response.headers.get('content-type'), manifest, sizes,
                scope: registration.scope, script: navigator.serviceWorker.controller.scriptURL};
      }"""
    )
    manifest = found["manifest"]
    assert found["type"].startswith("application/manifest+json")
    assert manifest["name"].startswith("连心") and manifest["short_name"] == "连心"
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    assert manifest["theme_color"] and manifest["background_color"]
    assert found["sizes"] == {
        "192x192": "192x192", "512x512": "512x512", "512x512 maskable": "512x512",
    }  # fmt: skip
    assert found["scope"] == page.url.split("/", 3)[0] + "//" + page.url.split("/", 3)[2] + "/"
    assert found["script"].endswith("/sw.js")
    page.goto("/diary/")
    page.wait_for_function(
        "async () => !!(await (await caches.open('lianxin-pages')).match(location.href))"
    )

    page.context.set_offline(True)
    page.goto("/")  # the start URL with no network: the cached diary answers
    expect(page.locator("[data-testid=diary-title]")).to_be_visible()
    expect(page.locator("[data-testid=offline-banner]")).to_be_visible()
    screenshot(page, "offline-04-start-url-offline")


def test_the_store_is_wiped_when_the_app_opens_after_days_without_a_sign_in(world, new_page):
    page = new_page(viewport=PHONE)
    login(page, "wang", PASSWORD)
    page.goto("/diary/")
    controlled(page)
    page.context.set_offline(True)  # recorded without a signal: it stays queued
    record(page, "赵1 · E001", "留在手机上的记录")
    expect(page.locator("[data-testid=pending-title]")).to_have_text("待同步 1 条")
    # Twenty days later the session is long gone; the phone opens the app.
    page.evaluate(
        """LianxinQueue.getMeta().then(m => LianxinQueue.setMeta(Object.assign(m, {
             at: new Date(Date.now() - 20 * 24 * 3600 * 1000).toISOString()})))"""
    )
    page.context.clear_cookies()
    page.context.set_offline(False)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    print(
        "DEBUG",
        page.evaluate(
            "async () => [await indexedDB.databases(), await LianxinQueue.getMeta(), !!document.getElementById('lx-pwa')]"
        ),
    )
    page.wait_for_function(
        "async () => !(await indexedDB.databases()).some(d => d.name === 'lianxin-offline')"
    )
    assert not Visit.objects.exists()
