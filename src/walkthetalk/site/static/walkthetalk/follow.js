/* Follow-through without identity.
 *
 * This browser remembers (in localStorage, never sent anywhere) which avoided issues it raised
 * or rated and which statements it asked "what do you mean?" about. The welcome page fetches
 * the care system's whole public status list — the same for everyone with a pass — and shows
 * where the remembered ones stand. The server never learns which items this browser follows.
 */
(function () {
  "use strict";
  var KEY = "walkthetalk-follow";
  var MAX = 200;

  function load() {
    try {
      var items = JSON.parse(window.localStorage.getItem(KEY) || "[]");
      return Array.isArray(items) ? items : [];
    } catch (e) {
      return [];
    }
  }

  function remember(kind, id, text) {
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(id || "")) return;
    var items = load().filter(function (i) { return !(i.k === kind && i.id === id); });
    items.push({ k: kind, id: id, t: (text || "").slice(0, 300) });
    try {
      window.localStorage.setItem(KEY, JSON.stringify(items.slice(-MAX)));
    } catch (e) { /* storage full or off: nothing is remembered */ }
  }

  // After raising an issue the page is reached at #remember=issue.<id> (a fragment: never sent).
  var hash = /^#remember=(issue|ask)\.([A-Za-z0-9_-]{1,32})$/.exec(window.location.hash);
  if (hash) {
    remember(hash[1], hash[2], "");
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }

  // A form marked data-remember is remembered when it is sent (a rating, a question).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form && form.getAttribute && form.getAttribute("data-remember")) {
      remember(form.getAttribute("data-remember"), form.getAttribute("data-remember-id"),
               form.getAttribute("data-remember-text"));
    }
  }, true);

  function render(box, data) {
    var items = load();
    var list = box.querySelector("ul");
    var shown = 0;
    items.slice().reverse().forEach(function (item) {
      var title, state;
      if (item.k === "issue" && data.issues[item.id]) {
        title = data.issues[item.id].title;
        state = data.issues[item.id].state;
      } else if (item.k === "ask") {
        title = data.answered[item.id] || item.t;
        state = data.answered[item.id] ? "answered" : "waiting";
        if (!title) return;
      } else {
        return;
      }
      var li = document.createElement("li");
      li.className = "card follow-item";
      var text = document.createElement("span");
      text.textContent = title + " ";
      var tag = document.createElement("span");
      tag.className = "tag follow-" + state;
      tag.textContent = box.getAttribute("data-label-" + state.replace("_", "-")) || state;
      li.appendChild(text);
      li.appendChild(tag);
      list.appendChild(li);
      shown += 1;
    });
    if (shown) box.hidden = false;
  }

  function start() {
    var box = document.getElementById("follow-through");
    if (!box || !load().length) return;
    window.fetch(box.getAttribute("data-src"), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (data) render(box, data);
    }).catch(function () { /* offline: nothing shown */ });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
