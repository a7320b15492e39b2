/* Every page (templates/base.html). A table box that scrolls sideways (.table-wrap, on a phone) can be
   reached and scrolled with the keyboard: focusable, and named after its table for a screen reader.
   Checked again when the window changes size. No markup is written. */
(function () {
  "use strict";
  function name(box) {
    var table = box.querySelector("table");
    if (!table) { return ""; }
    if (table.getAttribute("aria-label")) { return table.getAttribute("aria-label"); }
    if (table.caption) { return table.caption.textContent.trim(); }
    var section = box.closest("section, [aria-labelledby]");
    var heading = section && section.querySelector("h1, h2, h3");
    return heading ? heading.textContent.trim() : "";
  }
  function update() {
    Array.prototype.forEach.call(document.querySelectorAll(".table-wrap"), function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("data-shell-scroll", "");
        var label = name(box);
        if (label) { box.setAttribute("role", "region"); box.setAttribute("aria-label", label); }
      } else if (!scrolls && box.hasAttribute("data-shell-scroll")) {
        ["tabindex", "data-shell-scroll", "role", "aria-label"].forEach(function (attr) { box.removeAttribute(attr); });
      }
    });
  }
  update();
  var pending = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(update, 150);
  });
})();
