// Sort the commune table by a clicked column (numbers by value, names in Vietnamese order).
document.querySelectorAll("#communes th.sortable").forEach(function (header, column) {
  header.addEventListener("click", function () {
    var body = document.querySelector("#communes tbody");
    var rows = Array.from(body.rows);
    var ascending = header.dataset.order !== "asc";
    header.dataset.order = ascending ? "asc" : "desc";
    rows.sort(function (a, b) {
      var x = a.cells[column], y = b.cells[column];
      if (header.dataset.type === "number") {
        var vx = parseFloat(x.dataset.value || x.textContent), vy = parseFloat(y.dataset.value || y.textContent);
        return ascending ? vx - vy : vy - vx;
      }
      return ascending ? x.textContent.localeCompare(y.textContent, "vi") : y.textContent.localeCompare(x.textContent, "vi");
    });
    rows.forEach(function (row) { body.appendChild(row); });
  });
});
