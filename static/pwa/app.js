/* On every page (issue 18): registers the service worker, shows the offline banner and the
   "待同步 N 条" indicator, notes the signed-in user for the queue, and applies the device rules:
   the offline store is wiped at sign-out, when another user signs in on the phone, and when the
   app starts after OFFLINE_STORE_MAX_DAYS days without a sign-in. Configuration comes from
   templates/pwa/_shell.html (data- attributes: the CSP forbids inline scripts). */
/* global LianxinQueue */
(function () {
  "use strict";

  var shell = document.getElementById("lx-pwa");
  if (!shell || !window.indexedDB) return;
  var userId = shell.getAttribute("data-user");
  var maxDays = parseInt(shell.getAttribute("data-max-days"), 10) || 14;
  var banner = document.getElementById("lx-offline-banner");
  var indicator = document.getElementById("lx-pending");

  function showConnection() {
    if (banner) banner.hidden = navigator.onLine;
  }

  function refreshIndicator() {
    if (!indicator || !userId) return Promise.resolve();
    return LianxinQueue.waiting(userId).then(function (records) {
      indicator.hidden = records.length === 0;
      var count = indicator.querySelector("[data-count]");
      if (count) count.textContent = String(records.length);
    }).catch(function () {});
  }

  function noteSession() {
    return LianxinQueue.getMeta().then(function (meta) {
      if (meta && meta.userId && String(meta.userId) !== String(userId)) {
        // Another person signed in on this phone: nothing of the previous one stays.
        return LianxinQueue.wipe().then(function () { return null; });
      }
      return meta;
    }).then(function () {
      return LianxinQueue.setMeta({
        userId: userId,
        csrf: shell.getAttribute("data-csrf"),
        at: new Date().toISOString(),
      });
    });
  }

  function start() {
    var ready = LianxinQueue.expireIfStale(maxDays).then(function () {
      // A page served from the cache while offline proves no sign-in: it does not renew the date.
      if (userId && navigator.onLine && shell.getAttribute("data-live") === "1") return noteSession();
    }).catch(function () {});
    ready.then(refreshIndicator);
    window.LianxinApp.ready = ready;
  }

  window.LianxinApp = { refreshIndicator: refreshIndicator, userId: userId };

  if ("serviceWorker" in navigator && userId) {
    navigator.serviceWorker.register(shell.getAttribute("data-sw"), { scope: "/" }).catch(function () {});
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "synced") {
        refreshIndicator();
        document.dispatchEvent(new CustomEvent("lianxin:synced"));
      }
    });
  }

  // Signing out: say what will be lost, then wipe before the form leaves.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-logout]") || form.dataset.wiped) return;
    event.preventDefault();
    LianxinQueue.waiting(userId).catch(function () { return []; }).then(function (records) {
      if (records.length && !window.confirm(shell.getAttribute("data-logout-warning").replace("{n}", records.length))) {
        return;
      }
      return LianxinQueue.wipe().then(function () {
        form.dataset.wiped = "1";
        form.submit();
      });
    });
  });

  window.addEventListener("online", showConnection);
  window.addEventListener("offline", showConnection);
  showConnection();
  if (!userId) {
    // Signed out (the login page): an old store is wiped after the documented days.
    LianxinQueue.expireIfStale(maxDays).catch(function () {});
    return;
  }
  start();
})();
