// opencase site: an optional filter box above a list of records. The pages work without it.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("table[data-filter]").forEach(function (table) {
    var label = document.createElement("label");
    label.className = "filter";
    label.textContent = "Filter the list: ";
    var input = document.createElement("input");
    input.type = "search";
    label.appendChild(input);
    table.parentNode.insertBefore(label, table);
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      rows.forEach(function (row) {
        var text = row.textContent.toLowerCase();
        row.hidden = !words.every(function (w) { return text.indexOf(w) !== -1; });
      });
    });
  });
});
