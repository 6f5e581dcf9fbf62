// Ledger exports (台账): the download is built while the page stays; for a large one the page
// polls the progress of the build (rows written / rows) until the file is on its way.
(function () {
  "use strict";
  function jobId() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  document.querySelectorAll("form[data-ledger-export]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var job = jobId();
      form.querySelector("input[name=job]").value = job;
      if (!form.hasAttribute("data-large")) {
        return;
      }
      var box = form.parentElement.querySelector("[data-ledger-progress]");
      var bar = box.querySelector(".progress-bar");
      var count = box.querySelector("[data-ledger-count]");
      var status = box.querySelector("[data-ledger-status]");
      var button = form.querySelector("button[type=submit]");
      box.classList.remove("d-none");
      button.disabled = true;
      var polls = 0;
      function poll() {
        polls += 1;
        if (polls > 900) {  // about ten minutes: the server keeps a job's progress no longer
          button.disabled = false;
          return;
        }
        fetch(form.getAttribute("data-progress-url") + "?job=" + job, { credentials: "same-origin" })
          .then(function (response) { return response.json(); })
          .then(function (p) {
            var pct = p.total ? Math.min(100, Math.round((100 * p.done) / p.total)) : 0;
            bar.style.width = pct + "%";
            count.textContent = p.done + " / " + p.total;
            if (p.finished) {
              bar.classList.remove("progress-bar-animated");
              status.textContent = box.getAttribute("data-done-text") || status.textContent;
              button.disabled = false;
              return;
            }
            window.setTimeout(poll, 700);
          })
          .catch(function () { window.setTimeout(poll, 2000); });
      }
      window.setTimeout(poll, 300);
    });
  });
})();
