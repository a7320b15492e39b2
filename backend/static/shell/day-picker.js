/* The date boxes of the leaders' filters (form.filters, campaigns.forms.DayInput): typed as dd/mm/yyyy,
   with a calendar button that opens the browser's own picker and copies its choice back as dd/mm/yyyy
   (the browser's date field alone shows mm/dd/yyyy when it is set to English). The campaign form has
   its own copy of this in campaign-form.js, which also spells the date out. No markup is written. */
(function () {
  "use strict";
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
  Array.prototype.forEach.call(document.querySelectorAll("form.filters .day-picker"), function (box) {
    var input = box.querySelector(".day-input");
    var native = box.querySelector(".day-picker-native");
    var button = box.querySelector(".day-picker-button");
    if (!input || !native || !button) { return; }
    button.hidden = false;
    button.addEventListener("click", function (event) {
      event.preventDefault();  // inside the field's label: no click passed on to the text box
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
        input.dispatchEvent(new Event("change", {bubbles: true}));
      }
    });
  });
})();
