// Shows each <time data-local datetime="…+00:00"> in the visitor's own time zone and language: the
// server writes UTC ("2026-12-02 14:05 UTC"), which stays as the tooltip and is what a browser
// without JavaScript shows. data-local="clock" is a time of day, "datetime" a date and time.
// A file, not an inline script (the CSP forbids those); swapped-in content is handled on htmx:load.
(function () {
  "use strict";

  var formats = {
    clock: new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", timeZoneName: "short" }),
    datetime: new Intl.DateTimeFormat(undefined, {
      year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short",
    }),
  };

  function localise(root) {
    if (!root.querySelectorAll) return;
    root.querySelectorAll("time[data-local]:not([data-localised])").forEach(function (element) {
      var when = new Date(element.getAttribute("datetime"));
      var format = formats[element.dataset.local];
      if (!format || isNaN(when.getTime())) return;
      element.title = element.textContent.trim();
      element.textContent = format.format(when);
      element.dataset.localised = "";
    });
  }

  localise(document);
  document.addEventListener("htmx:load", function (event) { localise(event.detail.elt); });
})();
