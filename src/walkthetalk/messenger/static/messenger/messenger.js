// Send a form once: a second click while the first request is on its way does nothing,
// so a double click cannot replace the page that shows the receipt code.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.hasAttribute("data-send-once")) return;
  if (form.dataset.sending === "1") { event.preventDefault(); return; }
  form.dataset.sending = "1";
  var button = form.querySelector("button[type=submit]");
  if (button) button.setAttribute("aria-disabled", "true");
});

// The receipt page: copy the code, print the page (the buttons stay hidden without JavaScript).
document.addEventListener("DOMContentLoaded", function () {
  var copy = document.querySelector("[data-copy]");
  var print = document.querySelector("[data-print]");
  var status = document.querySelector(".copy-status");
  if (copy && navigator.clipboard) {
    copy.hidden = false;
    copy.addEventListener("click", function () {
      var code = document.querySelector(copy.getAttribute("data-copy")).textContent.trim();
      navigator.clipboard.writeText(code).then(
        function () { if (status) status.textContent = status.dataset.copied; },
        function () { if (status) status.textContent = status.dataset.failed; }
      );
    });
  }
  if (print) {
    print.hidden = false;
    print.addEventListener("click", function () { window.print(); });
  }
});
