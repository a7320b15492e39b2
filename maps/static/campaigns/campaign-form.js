/* The campaign form: find communes by name with or without diacritics, count and show the chosen ones,
   and repeat each picked date as dd/mm/yyyy (the date input sends ISO, which is never misread).
   Text only: names are set with textContent, nothing is parsed as markup. */
(function () {
  "use strict";
  function fold(text) {
    return (text || "").replace(/[đĐ]/g, "d").normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .toLowerCase().replace(/\s+/g, " ").trim();
  }
  var form = document.getElementById("campaign-form");
  if (!form) { return; }

  // Dates, day first.
  Array.prototype.forEach.call(form.querySelectorAll(".date-shown"), function (span) {
    var input = document.getElementById(span.getAttribute("data-for"));
    if (!input) { return; }
    var show = function () {
      var match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(input.value || "");
      span.textContent = match ? span.getAttribute("data-label") + ": " + match[3] + "/" + match[2] + "/" + match[1]
        : span.getAttribute("data-none");
    };
    input.addEventListener("input", show);
    input.addEventListener("change", show);
    show();
  });

  // Communes: search, count, show only the chosen ones.
  var rows = Array.prototype.slice.call(form.querySelectorAll("#targets tbody tr"));
  var search = document.getElementById("commune-search");
  var count = document.getElementById("chosen-count");
  var onlyChosen = document.getElementById("show-chosen");
  var chosenOnly = false;
  var keys = rows.map(function (row) {
    return fold(row.getAttribute("data-name")) + " " + row.getAttribute("data-code");
  });
  function chosen(row) {
    var box = row.querySelector("input[type=checkbox]");
    return box && box.checked;
  }
  function refresh() {
    var wanted = fold(search ? search.value : "");
    var total = 0;
    rows.forEach(function (row, index) {
      var isChosen = chosen(row);
      if (isChosen) { total += 1; }
      var visible = (!wanted || keys[index].indexOf(wanted) !== -1) && (!chosenOnly || isChosen);
      row.hidden = !visible;
    });
    if (count) { count.textContent = String(total); }
  }
  if (search) { search.addEventListener("input", refresh); }
  form.addEventListener("change", refresh);
  if (onlyChosen) {
    onlyChosen.addEventListener("click", function () {
      chosenOnly = !chosenOnly;
      onlyChosen.setAttribute("aria-pressed", chosenOnly ? "true" : "false");
      refresh();
    });
  }
  // Typing a target for a commune chooses it.
  rows.forEach(function (row) {
    Array.prototype.forEach.call(row.querySelectorAll("input[type=number]"), function (input) {
      input.addEventListener("input", function () {
        var box = row.querySelector("input[type=checkbox]");
        if (box && input.value && Number(input.value) > 0) { box.checked = true; }
        refresh();
      });
    });
  });
  refresh();
})();
