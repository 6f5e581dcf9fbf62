/* Small behaviours declared with data- attributes, because the Content-Security-Policy
   (script-src 'self') forbids inline <script> blocks and on*= handlers:
     <select data-autosubmit>             submits its form when changed
     <button data-print>                  opens the print dialog
     <input type=checkbox data-check-all="input[name=household]">  (un)ticks those boxes
     <form data-form-controls>            gives its fields Bootstrap's form-control/form-select
   Page-specific code goes into its own static/js/<page>.js loaded in {% block scripts %}. */
(function () {
  "use strict";

  function styleFields(root) {
    root.querySelectorAll("form[data-form-controls]").forEach(function (form) {
      form.querySelectorAll("input, select, textarea").forEach(function (field) {
        var type = (field.getAttribute("type") || "").toLowerCase();
        if (["hidden", "checkbox", "radio", "submit", "button"].indexOf(type) !== -1) return;
        field.classList.add(field.tagName === "SELECT" ? "form-select" : "form-control");
      });
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!target || !target.matches) return;
    if (target.matches("[data-autosubmit]") && target.form) {
      target.form.submit();
    }
    if (target.matches("[data-check-all]")) {
      document.querySelectorAll(target.getAttribute("data-check-all")).forEach(function (box) {
        box.checked = target.checked;
      });
    }
  });

  document.addEventListener("click", function (event) {
    var trigger = event.target.closest ? event.target.closest("[data-print]") : null;
    if (trigger) {
      event.preventDefault();
      window.print();
    }
  });

  document.addEventListener("DOMContentLoaded", function () { styleFields(document); });
  document.addEventListener("htmx:afterSwap", function (event) { styleFields(event.target); });
})();
