// Sort the commune table by a clicked column (numbers by value, names in Vietnamese order).
// Numbers are printed for people (1.234,5 in Vietnamese, 1,234.5 in English): read them back that way.
var decimalComma = (document.documentElement.lang || "vi").indexOf("en") !== 0;
function readNumber(cell) {
  if (cell.dataset.value) { return parseFloat(cell.dataset.value); }
  var text = cell.textContent.replace(decimalComma ? /[^0-9,\-]/g : /[^0-9.\-]/g, "");
  return parseFloat(decimalComma ? text.replace(",", ".") : text) || 0;
}
document.querySelectorAll("#communes th.sortable").forEach(function (header, column) {
  header.addEventListener("click", function () {
    var body = document.querySelector("#communes tbody");
    var rows = Array.from(body.rows);
    var ascending = header.dataset.order !== "asc";
    header.dataset.order = ascending ? "asc" : "desc";
    rows.sort(function (a, b) {
      var x = a.cells[column], y = b.cells[column];
      if (header.dataset.type === "number") {
        var vx = readNumber(x), vy = readNumber(y);
        return ascending ? vx - vy : vy - vx;
      }
      return ascending ? x.textContent.localeCompare(y.textContent, "vi") : y.textContent.localeCompare(x.textContent, "vi");
    });
    rows.forEach(function (row) { body.appendChild(row); });
  });
});
