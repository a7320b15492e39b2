// Polls an import job's status and shows its progress; reloads the page when the job changes state.
(function () {
  "use strict";
  var box = document.querySelector("[data-status-url]");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  var status = box.getAttribute("data-status");
  var bar = document.getElementById("job-progress");
  var text = document.getElementById("job-progress-text");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return setTimeout(poll, 3000);
        bar.value = data.progress;
        text.textContent = data.progress + "%";
        if (data.status !== status) { window.location.reload(); return; }
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
})();
