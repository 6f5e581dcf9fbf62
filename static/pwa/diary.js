/* The offline visit diary (templates/pwa/diary.html, issue 18): the form saves each visit to the
   IndexedDB queue with a client UUID (and another for a raised demand), photos resized with a canvas;
   the list shows what waits, what the server refused (with its message) and what arrived, each
   pending or refused record editable or discardable. Sync runs on load, when the connection
   returns, on the button, and through Background Sync in the service worker where the browser has
   it; the server's idempotency key makes a double send harmless. */
/* global LianxinQueue */
(function () {
  "use strict";

  var form = document.getElementById("lx-offline-form");
  var list = document.getElementById("lx-records");
  var shell = document.getElementById("lx-pwa");
  if (!list || !shell || !window.LianxinQueue) return;
  var L = JSON.parse(document.getElementById("lx-diary-labels").textContent);
  var userId = shell.getAttribute("data-user");
  var apiUrl = (form && form.getAttribute("data-api")) || "/api/v1/visits/";
  var status = document.getElementById("lx-sync-status");
  var MAX_SIDE = 1280;
  var QUALITY = 0.8;
  var editing = null;

  function today() {
    var d = new Date();
    return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0");
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /* A photo resized so its longer side is at most MAX_SIDE, as JPEG: a bounded size on the phone
     and on the wire. Read as a data: URL (the CSP allows data: images, not blob:). */
  function resize(file) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () {
        var img = new Image();
        img.onload = function () {
          var scale = Math.min(1, MAX_SIDE / Math.max(img.naturalWidth, img.naturalHeight));
          var canvas = document.createElement("canvas");
          canvas.width = Math.max(1, Math.round(img.naturalWidth * scale));
          canvas.height = Math.max(1, Math.round(img.naturalHeight * scale));
          canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
          canvas.toBlob(function (blob) { blob ? resolve(blob) : reject(new Error("encode")); }, "image/jpeg", QUALITY);
        };
        img.onerror = function () { reject(new Error("decode")); };
        img.src = reader.result;
      };
      reader.onerror = function () { reject(reader.error); };
      reader.readAsDataURL(file);
    });
  }

  function setStatus(text) { if (status) status.textContent = text || ""; }

  function render() {
    return LianxinQueue.mine(userId).then(function (records) {
      var waiting = records.filter(function (r) { return r.status !== "synced"; });
      document.getElementById("lx-pending-count").textContent = String(waiting.length);
      list.querySelectorAll(".lx-record").forEach(function (node) { node.remove(); });
      document.getElementById("lx-records-empty").hidden = records.length > 0;
      records.forEach(function (record) { list.appendChild(item(record)); });
      if (window.LianxinApp) window.LianxinApp.refreshIndicator();
    });
  }

  function item(record) {
    var li = el("li", "list-group-item lx-record lx-status-" + record.status);
    li.setAttribute("data-testid", "record");
    li.setAttribute("data-status", record.status);
    li.setAttribute("data-id", record.id);
    var head = el("div", "d-flex justify-content-between align-items-center gap-2");
    head.appendChild(el("span", "fw-semibold", record.householdLabel + " · " + record.visited_on));
    var badgeClass = { pending: "text-bg-warning", refused: "text-bg-danger", synced: "text-bg-success" }[record.status];
    var badge = el("span", "badge " + badgeClass, L[record.status]);
    badge.setAttribute("data-testid", "record-status");
    head.appendChild(badge);
    li.appendChild(head);
    if (record.status !== "synced") {
      li.appendChild(el("div", "small lx-record-notes", record.notes));
      var facts = [];
      if (record.photos && record.photos.length) facts.push(L.photos.replace("{n}", record.photos.length));
      if (record.issue_description) facts.push(L.demand + "：" + record.issue_description);
      if (facts.length) li.appendChild(el("div", "small text-muted", facts.join(" · ")));
      if (record.message) {
        var message = el("div", "small " + (record.status === "refused" ? "text-danger" : "text-muted"), record.message);
        message.setAttribute("data-testid", "record-message");
        li.appendChild(message);
      }
      var actions = el("div", "mt-1 d-flex gap-2");
      var edit = el("button", "btn btn-sm btn-outline-primary", L.edit);
      edit.type = "button";
      edit.setAttribute("data-testid", "record-edit");
      edit.addEventListener("click", function () { startEdit(record.id); });
      var drop = el("button", "btn btn-sm btn-outline-danger", L.discard);
      drop.type = "button";
      drop.setAttribute("data-testid", "record-discard");
      drop.addEventListener("click", function () {
        if (window.confirm(L.discardConfirm)) LianxinQueue.discard(record.id).then(render);
      });
      actions.appendChild(edit);
      actions.appendChild(drop);
      li.appendChild(actions);
    } else if (record.serverId) {
      var link = el("a", "small", L.open);
      link.href = "/liaison/visits/" + record.serverId + "/";
      li.appendChild(link);
    }
    return li;
  }

  function field(name) { return form.elements.namedItem(name); }

  function startEdit(id) {
    LianxinQueue.get(id).then(function (record) {
      if (!record || !form) return;
      editing = record;
      field("household").value = record.household;
      field("kind").value = record.kind;
      field("visited_on").value = record.visited_on;
      field("met_with").value = record.met_with || "";
      field("notes").value = record.notes || "";
      form.querySelectorAll("input[name=tags]").forEach(function (box) {
        box.checked = (record.tags || []).indexOf(box.value) !== -1;
      });
      field("raise_issue").checked = !!record.issue_description;
      field("issue_description").value = record.issue_description || "";
      field("issue_urgency").value = record.issue_urgency || "normal";
      document.getElementById("lx-o-issue").hidden = !record.issue_description;
      document.getElementById("lx-o-save-label").textContent = L.update;
      document.getElementById("lx-o-cancel").hidden = false;
      form.scrollIntoView();
    });
  }

  function resetForm() {
    editing = null;
    form.reset();
    field("visited_on").value = today();
    document.getElementById("lx-o-issue").hidden = true;
    document.getElementById("lx-o-photo-preview").textContent = "";
    document.getElementById("lx-o-cancel").hidden = true;
    document.getElementById("lx-o-error").textContent = "";
  }

  function problems() {
    if (!field("household").value) return L.needHousehold;
    if (!field("notes").value.trim()) return L.needNotes;
    if (!field("visited_on").value || field("visited_on").value > today()) return L.futureDate;
    if (field("raise_issue").checked && !field("issue_description").value.trim()) return L.needIssue;
    return "";
  }

  function save(event) {
    event.preventDefault();
    var error = document.getElementById("lx-o-error");
    error.textContent = problems();
    if (error.textContent) return;
    var files = Array.prototype.slice.call(field("photos").files || []);
    var button = form.querySelector("[type=submit]");
    button.disabled = true;  // one record per tap, until it is in the queue
    Promise.all(files.map(resize)).then(function (photos) {
      var select = field("household");
      var raise = field("raise_issue").checked;
      var base = editing || { id: LianxinQueue.uuid(), captured_at: new Date().toISOString(), photos: [] };
      var record = {
        id: base.id,
        userId: userId,
        household: select.value,
        householdLabel: select.options[select.selectedIndex].textContent,
        visited_on: field("visited_on").value,
        kind: field("kind").value,
        met_with: field("met_with").value.trim(),
        notes: field("notes").value.trim(),
        tags: Array.prototype.map.call(form.querySelectorAll("input[name=tags]:checked"), function (b) { return b.value; }),
        issue_description: raise ? field("issue_description").value.trim() : "",
        issue_urgency: raise ? field("issue_urgency").value : "",
        issue_id: base.issue_id || LianxinQueue.uuid(),
        photos: photos.length ? photos : base.photos || [],
        captured_at: base.captured_at,
        status: "pending",
        message: "",
      };
      return LianxinQueue.put(record);
    }, function () {
      error.textContent = L.photoFailed;
      throw new Error("photo");
    }).then(function () {
      resetForm();
      return render();
    }).then(function () {
      requestBackgroundSync();
      if (navigator.onLine) syncNow();
    }).catch(function () {}).then(function () { button.disabled = false; });
  }

  function requestBackgroundSync() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.sync) return registration.sync.register("lianxin-visits");
    }).catch(function () {});
  }

  function syncNow() {
    if (!navigator.onLine) {
      setStatus(L.offline);
      return Promise.resolve();
    }
    setStatus(L.syncing);
    return LianxinQueue.sync({ apiUrl: apiUrl, userId: userId, csrf: shell.getAttribute("data-csrf") })
      .then(render)
      .then(function () { setStatus(navigator.onLine ? L.done : L.offline); }, function () { setStatus(""); });
  }

  if (form) {
    resetForm();
    form.addEventListener("submit", save);
    document.getElementById("lx-o-cancel").addEventListener("click", resetForm);
    field("raise_issue").addEventListener("change", function () {
      document.getElementById("lx-o-issue").hidden = !field("raise_issue").checked;
    });
    field("photos").addEventListener("change", function () {
      var preview = document.getElementById("lx-o-photo-preview");
      preview.textContent = "";
      Array.prototype.forEach.call(field("photos").files || [], function (file) {
        var reader = new FileReader();
        reader.onload = function () {
          var img = el("img", "lx-photo-thumb");
          img.alt = file.name;
          img.src = reader.result;
          preview.appendChild(img);
        };
        reader.readAsDataURL(file);
      });
    });
  }
  document.getElementById("lx-sync-now").addEventListener("click", syncNow);
  window.addEventListener("online", syncNow);
  window.addEventListener("offline", function () { setStatus(L.offline); });
  document.addEventListener("lianxin:synced", render);
  var ready = (window.LianxinApp && window.LianxinApp.ready) || Promise.resolve();
  ready.then(render).then(function () { if (navigator.onLine) return syncNow(); setStatus(L.offline); });
})();
