/* Liaison pages (visits, pairings): small behaviours, no inline script (the CSP forbids it). */
(function () {
  "use strict";

  function on(selector, event, handler) {
    document.addEventListener(event, function (ev) {
      const target = ev.target.closest(selector);
      if (target) handler(ev, target);
    });
  }

  // Visit form: pick one of my households from the htmx search results.
  on(".lx-pick", "click", function (ev, btn) {
    document.getElementById("id_household").value = btn.dataset.pk;
    document.getElementById("lx-picked-label").textContent = btn.dataset.label;
    document.getElementById("lx-picked").classList.remove("d-none");
    document.getElementById("lx-search").classList.add("d-none");
  });
  on("#lx-repick", "click", function () {
    document.getElementById("id_household").value = "";
    document.getElementById("lx-picked").classList.add("d-none");
    document.getElementById("lx-search").classList.remove("d-none");
    document.getElementById("lx-hh-q").focus();
  });

  // "Raise an issue from this visit": show its fields when switched on.
  on("#id_raise_issue", "change", function (ev, box) {
    document.getElementById("lx-issue").classList.toggle("d-none", !box.checked);
    if (box.checked) document.getElementById("id_issue_description").focus();
  });

  // Printable diary.
  on("[data-lx-print]", "click", function (ev) {
    ev.preventDefault();
    window.print();
  });

  // Pairing table: select all rows on the page.
  on("[data-lx-select-all]", "change", function (ev, box) {
    document.querySelectorAll("input[name=household]").forEach(function (c) {
      c.checked = box.checked;
    });
  });

  // Plain Django widgets get Bootstrap classes.
  document.querySelectorAll("form[data-lx-bootstrap] input:not([type=checkbox]):not([type=hidden]), form[data-lx-bootstrap] textarea").forEach(function (e) {
    e.classList.add("form-control");
  });
  document.querySelectorAll("form[data-lx-bootstrap] select").forEach(function (e) {
    e.classList.add("form-select");
  });
})();
