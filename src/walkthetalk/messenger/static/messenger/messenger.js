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
