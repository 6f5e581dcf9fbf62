/* Lianxin's service worker (issue 18), hand-written and small. Served by visits/pwa.py from /sw.js
   (scope: the whole site), which prepends `self.LIANXIN = {...}`: the static URLs of the shell to
   precache, the offline diary's URL, the queue script and the version.

   - The shell (CSS, JS, icon fonts, icons) is precached and served cache-first.
   - Pages: always from the network. A page that sends `X-Lianxin-Offline: cache` (the offline diary:
     the cadre's own worklist, masked) is kept; offline, a page comes from that copy, and any other
     page falls back to the diary.
   - The API and everything else go to the network untouched: no personal data is cached besides
     the diary page.
   - A POST to the logout URL wipes every cache and the offline queue before it leaves.
   - Background Sync ("lianxin-visits") sends the queue when the connection returns. */
/* global LianxinQueue */
"use strict";

var CONFIG = self.LIANXIN;
var SHELL_CACHE = "lianxin-shell-" + CONFIG.version;
var PAGE_CACHE = "lianxin-pages";

importScripts(CONFIG.queueScript);

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(SHELL_CACHE).then(function (cache) { return cache.addAll(CONFIG.precache); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (key) {
        return key.indexOf("lianxin-shell-") === 0 && key !== SHELL_CACHE;
      }).map(function (key) { return caches.delete(key); }));
    }).then(function () { return LianxinQueue.expireIfStale(CONFIG.maxDays); })
      .then(keepDiary)
      .then(function () { return self.clients.claim(); })
  );
});

/* A copy of the diary as soon as the worker is active, so it opens offline even if the cadre
   never went back to it after installing. Signed out, the server answers a redirect: nothing kept. */
function keepDiary() {
  var url = new URL(CONFIG.diaryUrl, self.location.origin).href;
  return fetch(url, { credentials: "same-origin", redirect: "manual" }).then(function (response) {
    if (response.ok && response.headers.get(CONFIG.cacheHeader) === "cache") {
      return caches.open(PAGE_CACHE).then(function (cache) { return cache.put(url, response); });
    }
  }).catch(function () {});
}

function isShell(url) {
  return url.origin === self.location.origin && url.pathname.indexOf("/static/") === 0;
}

function fromShell(request) {
  return caches.match(request, { ignoreSearch: true }).then(function (hit) {
    return hit || fetch(request);
  });
}

function offlinePage() {
  return new Response(
    "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
    "<title>连心 · 离线</title><p style='font:16px sans-serif;padding:1rem'>当前没有网络。" +
    "<a href='" + CONFIG.diaryUrl + "'>打开离线走访日记</a>（需先在有网络时打开过一次）。</p>",
    { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } }
  );
}

function page(request) {
  return fetch(request).then(function (response) {
    if (response.ok && response.headers.get(CONFIG.cacheHeader) === "cache") {
      var copy = response.clone();
      caches.open(PAGE_CACHE).then(function (cache) { cache.put(request.url.split("#")[0], copy); });
    }
    return response;
  }, function () {
    return caches.open(PAGE_CACHE).then(function (cache) {
      return cache.match(request, { ignoreSearch: true }).then(function (hit) {
        return hit || cache.match(new URL(CONFIG.diaryUrl, self.location.origin).href);
      });
    }).then(function (hit) { return hit || offlinePage(); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method === "POST" && url.pathname === CONFIG.logoutUrl) {
    // Signing out leaves nothing on the phone: the wipe finishes before the request is sent.
    event.respondWith(LianxinQueue.wipe().then(function () { return fetch(request); }));
    return;
  }
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (isShell(url)) {
    event.respondWith(fromShell(request));
  } else if (request.mode === "navigate") {
    event.respondWith(page(request));
  }
});

self.addEventListener("sync", function (event) {
  if (event.tag === "lianxin-visits") {
    event.waitUntil(LianxinQueue.sync({ apiUrl: CONFIG.apiUrl }).then(notifyClients));
  }
});

self.addEventListener("message", function (event) {
  if (event.data && event.data.type === "wipe") {
    event.waitUntil(LianxinQueue.wipe());
  }
});

function notifyClients() {
  return self.clients.matchAll({ type: "window" }).then(function (windows) {
    windows.forEach(function (client) { client.postMessage({ type: "synced" }); });
  });
}
