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

  // Dates: typed or shown dd/mm/yyyy, spelled out under the field so 05/11 cannot be misread; the
  // calendar button opens the browser's own picker and copies its choice back as dd/mm/yyyy.
  var language = document.documentElement.lang || "vi";
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function parseDay(text) {
    var m = /^\s*(\d{1,2})[\/.\-](\d{1,2})[\/.\-](\d{4})\s*$/.exec(text || "");
    var day, month, year;
    if (m) { day = +m[1]; month = +m[2]; year = +m[3]; } else {
      m = /^\s*(\d{4})-(\d{2})-(\d{2})\s*$/.exec(text || "");
      if (!m) { return null; }
      year = +m[1]; month = +m[2]; day = +m[3];
    }
    var date = new Date(Date.UTC(year, month - 1, day));
    if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) { return null; }
    return date;
  }
  Array.prototype.forEach.call(form.querySelectorAll(".day-picker"), function (box) {
    var input = box.querySelector(".day-input");
    var native = box.querySelector(".day-picker-native");
    var button = box.querySelector(".day-picker-button");
    var shown = form.querySelector(".date-shown[data-for='" + input.id + "']");
    var show = function () {
      if (!shown) { return; }
      var date = parseDay(input.value);
      if (!input.value) { shown.textContent = shown.getAttribute("data-none"); return; }
      shown.textContent = date
        ? shown.getAttribute("data-label") + ": " + new Intl.DateTimeFormat(language, {
            weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: "UTC"
          }).format(date)
        : shown.getAttribute("data-invalid");
    };
    input.addEventListener("input", show);
    input.addEventListener("change", show);
    if (native && button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var date = parseDay(input.value);
        native.value = date ? date.toISOString().slice(0, 10) : "";
        if (typeof native.showPicker === "function") {
          try { native.showPicker(); return; } catch (error) { /* falls through to focus */ }
        }
        native.focus();
      });
      native.addEventListener("change", function () {
        var date = parseDay(native.value);
        if (date) {
          input.value = pad(date.getUTCDate()) + "/" + pad(date.getUTCMonth() + 1) + "/" + date.getUTCFullYear();
          show();
        }
      });
    }
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
