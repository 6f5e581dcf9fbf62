/* Behaviour that used to be inline handlers: the Content-Security-Policy forbids inline script.
   <select data-autosubmit> submits its form when changed. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.matches && target.matches("[data-autosubmit]") && target.form) {
      target.form.submit();
    }
  });
})();
