/* The offline visit queue (issue 18), shared by the pages and the service worker.

   IndexedDB "lianxin-offline":
     records  one visit captured on this phone, keyed by its client UUID:
              {id, userId, household, householdLabel, visited_on, kind, met_with, notes, follow_up,
               tags[], issue_description, issue_urgency, issue_id (the demand's UUID), photos[Blob],
               captured_at, status: pending | refused | synced, message, serverId, updated}
     meta     {key: "session", userId, csrf, at}: who signed in last and when (for the wipe after
              N days without a sign-in), and the CSRF token the service worker sends with a sync.

   sync() posts every pending record of the signed-in user to the visits API with its UUID as the
   idempotency key: the server stores it once and answers every repeat with the same visit, so a
   record sent twice (two tabs, a retry, the page and the service worker at once) is never doubled.
   A refusal (400/403/404) keeps the record, marked refused, with the server's message. */
(function (scope) {
  "use strict";

  var DB_NAME = "lianxin-offline";
  var DAY_MS = 24 * 3600 * 1000;

  /* The store, created only when `create` (a visit captured, the session noted): a read, or a
     sync's update that lands after sign-out wiped the store, finds nothing (null) and leaves
     nothing behind. */
  function open(create) {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function (event) {
        if (!create && event.oldVersion === 0) { request.transaction.abort(); return; }
        var db = request.result;
        if (!db.objectStoreNames.contains("records")) db.createObjectStore("records", { keyPath: "id" });
        if (!db.objectStoreNames.contains("meta")) db.createObjectStore("meta", { keyPath: "key" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function (event) {
        if (!create && request.error && request.error.name === "AbortError") {
          event.preventDefault();
          resolve(null);
          return;
        }
        reject(request.error);
      };
    });
  }

  function run(storeName, mode, work, options) {
    options = options || {};
    return open(Boolean(options.create)).then(function (db) {
      if (!db) return options.empty;
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(storeName, mode);
        var result = work(tx.objectStore(storeName));
        tx.oncomplete = function () { db.close(); resolve(result && "result" in result ? result.result : result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
        tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function uuid() {
    if (scope.crypto && scope.crypto.randomUUID) return scope.crypto.randomUUID();
    var bytes = scope.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function all() {
    return run("records", "readonly", function (store) { return store.getAll(); }, { empty: [] });
  }

  /* A visit captured or edited on this phone (creates the store). */
  function put(record) {
    record.updated = new Date().toISOString();
    return run("records", "readwrite", function (store) { store.put(record); }, { create: true })
      .then(function () { return record; });
  }

  /* A sync's answer written back: never into a store signed out of since the send. */
  function update(record) {
    record.updated = new Date().toISOString();
    return run("records", "readwrite", function (store) { store.put(record); }).then(function () { return record; });
  }

  function get(id) {
    return run("records", "readonly", function (store) { return store.get(id); });
  }

  function discard(id) {
    return run("records", "readwrite", function (store) { store.delete(id); });
  }

  function mine(userId) {
    return all().then(function (records) {
      return records.filter(function (r) { return String(r.userId) === String(userId); })
        .sort(function (a, b) { return a.captured_at < b.captured_at ? -1 : 1; });
    });
  }

  function waiting(userId) {
    return mine(userId).then(function (records) {
      return records.filter(function (r) { return r.status !== "synced"; });
    });
  }

  function getMeta() {
    return run("meta", "readonly", function (store) { return store.get("session"); });
  }

  function setMeta(meta) {
    meta.key = "session";
    return run("meta", "readwrite", function (store) { store.put(meta); }, { create: true });
  }

  /* Everything this app keeps on the device: the queue, the session note and the page caches.
     The deletion waits while another connection (the service worker's sync, another tab) finishes
     its transaction, a few seconds at most, so that sign-out leaves once the store is gone. */
  function wipe() {
    var steps = [new Promise(function (resolve) {
      var request = indexedDB.deleteDatabase(DB_NAME);
      request.onsuccess = request.onerror = function () { resolve(); };
      request.onblocked = function () { setTimeout(resolve, 5000); };
    })];
    if (scope.caches) {
      steps.push(scope.caches.keys().then(function (keys) {
        return Promise.all(keys.filter(function (k) { return k.indexOf("lianxin-") === 0; })
          .map(function (k) { return scope.caches.delete(k); }));
      }));
    }
    return Promise.all(steps);
  }

  /* Whether the store exists, without creating it (a signed-out page must not make one). */
  function exists() {
    if (!indexedDB.databases) return Promise.resolve(true);
    return indexedDB.databases().then(function (dbs) {
      return dbs.some(function (db) { return db.name === DB_NAME; });
    });
  }

  /* Wipe the store when nobody signed in for maxDays (checked whenever the app starts). */
  function expireIfStale(maxDays) {
    return exists().then(function (found) { return found ? getMeta() : null; }).then(function (meta) {
      if (meta && meta.at && Date.now() - Date.parse(meta.at) > maxDays * DAY_MS) {
        return wipe().then(function () { return true; });
      }
      return false;
    });
  }

  function messageOf(status, body) {
    if (!body) return "服务器拒绝了这条记录（" + status + "）";
    if (typeof body === "string") return body;
    if (body.detail) return String(body.detail);
    var parts = [];
    Object.keys(body).forEach(function (field) {
      var value = body[field];
      parts.push([].concat(value).map(String).join(" "));
    });
    return parts.join("；") || "服务器拒绝了这条记录（" + status + "）";
  }

  function formOf(record) {
    var form = new FormData();
    ["household", "visited_on", "kind", "met_with", "notes", "follow_up", "captured_at"].forEach(function (name) {
      if (record[name] !== undefined && record[name] !== null) form.append(name, record[name]);
    });
    form.append("client_uuid", record.id);
    (record.tags || []).forEach(function (tag) { form.append("tags", tag); });
    if (record.issue_description) {
      form.append("issue_description", record.issue_description);
      form.append("issue_urgency", record.issue_urgency || "normal");
      form.append("issue_client_uuid", record.issue_id);
    }
    (record.photos || []).forEach(function (photo, i) {
      form.append("photos", photo, "photo-" + (i + 1) + ".jpg");
    });
    return form;
  }

  /* Send one record; resolves with the record as stored after the answer. */
  function send(record, options) {
    return fetch(options.apiUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": options.csrf || "", "Accept": "application/json" },
      body: formOf(record),
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        if (response.status === 200 || response.status === 201) {
          // Keep only what the list needs: the text and photos leave the phone once stored.
          return update({
            id: record.id, userId: record.userId, householdLabel: record.householdLabel,
            visited_on: record.visited_on, captured_at: record.captured_at, status: "synced",
            serverId: body && body.id, issueId: body && body.sync && body.sync.issue,
            replayed: response.status === 200,
          });
        }
        if (response.status === 401 || (response.status === 403 && body && /CSRF|认证|登录/.test(String(body.detail)))) {
          record.message = "登录已过期，请重新登录后同步。";
          return update(record);
        }
        if (response.status >= 400 && response.status < 500 && response.status !== 429) {
          record.status = "refused";
          record.message = messageOf(response.status, body);
          return update(record);
        }
        record.message = "服务器暂时无法接收（" + response.status + "），稍后自动重试。";
        return update(record);
      });
    }, function () {
      return record;  // still offline: stays pending, nothing to say
    });
  }

  var running = null;

  /* Send every pending record of the user, one after another. One run at a time per page. */
  function sync(options) {
    if (running) return running;
    running = getMeta().then(function (meta) {  // (a sync after sign-out makes no store)
      var userId = options.userId || (meta && meta.userId);
      // The token noted by the last page served live: a page copy from the cache may hold an old one.
      var csrf = (meta && meta.csrf) || options.csrf;
      if (!userId) return [];
      return mine(userId).then(function (records) {
        var pending = records.filter(function (r) { return r.status === "pending"; });
        return pending.reduce(function (chain, record) {
          return chain.then(function (done) {
            return send(record, { apiUrl: options.apiUrl, csrf: csrf }).then(function (r) { done.push(r); return done; });
          });
        }, Promise.resolve([]));
      });
    }).finally(function () { running = null; });
    return running;
  }

  scope.LianxinQueue = {
    uuid: uuid, all: all, mine: mine, waiting: waiting, get: get, put: put, update: update, discard: discard,
    getMeta: getMeta, setMeta: setMeta, exists: exists, wipe: wipe, expireIfStale: expireIfStale, sync: sync,
    formOf: formOf,
  };
})(typeof self !== "undefined" ? self : window);
