// Sortable tables (table.sortable): click a header with data-sort="number" or "text". Numbers sort by
// the cell's data-value (unlocalized), text in Vietnamese order. No inline script, no markup written.
(function () {
  function key(cell, type) {
    if (type === "number") {
      var value = cell.getAttribute("data-value");
      return value === null ? parseFloat(cell.textContent.replace(/[^0-9\-]/g, "")) || 0 : parseFloat(value);
    }
    return cell.textContent.trim();
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var headers = table.querySelectorAll("thead th");
    headers.forEach(function (header, column) {
      var type = header.getAttribute("data-sort");
      if (!type) { return; }
      header.classList.add("sort-header");
      header.setAttribute("tabindex", "0");
      header.setAttribute("role", "button");
      function sort() {
        var ascending = header.getAttribute("aria-sort") !== "ascending";
        headers.forEach(function (other) { other.removeAttribute("aria-sort"); });
        header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows).filter(function (row) { return row.cells.length > column; });
        rows.sort(function (a, b) {
          var x = key(a.cells[column], type), y = key(b.cells[column], type);
          var order = type === "number" ? x - y : x.localeCompare(y, "vi");
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      header.addEventListener("click", sort);
      header.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sort(); }
      });
    });
  });
})();
