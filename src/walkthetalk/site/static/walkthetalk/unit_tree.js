/* Typeahead for the unit trees (caremap/templatetags/unit_tree.py): as one types in a box
 * marked data-unit-filter="<tree id>", only the units whose name holds the text stay, with the
 * units above them (every branch on the way open) and below them (a click away). Nothing is
 * sent anywhere; without this script the care map's search is a plain GET form and the
 * pickers' branches open one by one.
 */
(function () {
  "use strict";

  function parentOf(item) {
    return item.parentElement.closest("li[data-name]");
  }

  function filter(tree, text, status) {
    var needle = text.trim().toLocaleLowerCase();
    var items = tree.querySelectorAll("li[data-name]");
    var matched = new Set();
    var under = new Set();
    var holds = new Set();
    var i, item, parent;
    for (i = 0; i < items.length; i++) {  // depth first: a unit after the units above it
      item = items[i];
      if (needle && item.getAttribute("data-name").indexOf(needle) !== -1) matched.add(item);
      parent = parentOf(item);
      if (parent && (matched.has(parent) || under.has(parent))) under.add(item);
    }
    for (i = items.length - 1; i >= 0; i--) {  // reversed: a unit after the units below it
      item = items[i];
      var below = holds.has(item);
      var keep = !needle || matched.has(item) || under.has(item) || below;
      var branch = item.querySelector(":scope > details");
      item.hidden = !keep;
      if (needle && branch) branch.open = below;
      if (keep && (matched.has(item) || below)) {
        parent = parentOf(item);
        if (parent) holds.add(parent);
      }
    }
    if (status) {
      var n = matched.size;
      status.textContent = !needle ? "" : n === 1 ? "1 unit found" : n + " units found";
    }
  }

  function start(box) {
    var input = box.querySelector("input");
    var tree = document.getElementById(box.getAttribute("data-unit-filter"));
    if (!input || !tree) return;
    var status = box.querySelector("[role=status]");
    box.hidden = false;
    input.addEventListener("input", function () { filter(tree, input.value, status); });
    input.addEventListener("keydown", function (event) {
      // Enter in a picker's filter must not send the form around it.
      if (event.key === "Enter" && !box.closest("form[role=search]")) event.preventDefault();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-unit-filter]").forEach(start);
  });
})();
