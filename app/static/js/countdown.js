// Counts every [data-countdown="SECONDS"] down to zero, every second: in words ("4 min", "59 s", "now")
// or, with data-countdown-style="clock", as minutes and seconds ("29:59"); then reveals the
// [data-countdown-done] element beside it. A file, not an inline script, so the CSP needs no 'unsafe-inline';
// it also covers elements HTMX swaps in later, because each tick looks for them afresh.
(function () {
  "use strict";

  function inWords(seconds) {
    if (seconds <= 0) return "now";
    if (seconds < 60) return seconds + " s";
    return Math.ceil(seconds / 60) + " min";
  }

  function asClock(seconds) {
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    return minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach(function (element) {
      if (!element.dataset.countdownUntil) {
        element.dataset.countdownUntil = String(now + Number(element.dataset.countdown) * 1000);
      }
      var left = Math.max(0, Math.ceil((Number(element.dataset.countdownUntil) - now) / 1000));
      element.textContent = element.dataset.countdownStyle === "clock" ? asClock(left) : inWords(left);
      if (left === 0) {
        element.removeAttribute("data-countdown");
        var box = element.closest("[data-rate-limited]");
        var done = box && box.querySelector("[data-countdown-done]");
        if (done) done.hidden = false;
      }
    });
  }

  tick(); // at once (scripts are deferred: the page is parsed), so the count starts from the page's figure
  setInterval(tick, 1000);
  document.addEventListener("htmx:afterSwap", tick);
})();
