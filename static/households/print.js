// Print buttons without inline script (the CSP forbids it). On a paged batch of contact cards,
// once a page has gone to the printer the link to the next page takes the focus.
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
window.addEventListener("afterprint", function () {
  var next = document.querySelector("[data-testid=card-page-next]");
  if (next) {
    next.focus();
  }
});
