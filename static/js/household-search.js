/* Intake's household search (templates/issues/intake.html): typing a name, an address or the
   phone's last four digits asks issues:household-search (JSON, scoped to the user's households);
   choosing a result fills the hidden household field. No inline script (CSP). */
(function () {
  "use strict";
  var box = document.querySelector("[data-household-search]");
  if (!box) return;
  var url = box.getAttribute("data-household-search");
  var input = box.querySelector("#household-q");
  var results = box.querySelector("[data-testid=household-results]");
  var picked = box.querySelector("[data-testid=household-picked]");
  var hidden = box.closest("form").querySelector("input[name=household]");
  var timer = null;
  var asked = 0;

  function show(rows) {
    results.textContent = "";
    rows.forEach(function (row) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "list-group-item list-group-item-action small";
      button.setAttribute("data-household", row.id);
      button.textContent = row.label;
      button.addEventListener("click", function () {
        hidden.value = row.id;
        picked.textContent = row.label;
        results.textContent = "";
        input.value = "";
      });
      results.appendChild(button);
    });
    if (!rows.length && input.value.trim().length >= 2) {
      var none = document.createElement("div");
      none.className = "list-group-item small text-muted";
      none.textContent = box.getAttribute("data-empty") || "—";
      results.appendChild(none);
    }
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = input.value.trim();
      var mine = ++asked;
      if (q.length < 2) { show([]); return; }
      fetch(url + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) { if (mine === asked) show(data.results || []); });
    }, 250);
  });
})();
