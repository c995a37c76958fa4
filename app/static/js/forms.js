// Form behaviours that would otherwise be inline handlers (hx-on), which the
// Content-Security-Policy forbids: each is switched on by a data attribute.
"use strict";

// data-clears-flash: a new request from this form removes the messages of the last one.
document.addEventListener("htmx:beforeRequest", (event) => {
  if (event.detail.elt.matches("[data-clears-flash]")) {
    document.getElementById("flash-area")?.replaceChildren();
  }
});

// data-resets-on-created: the form empties once the server says it created something (201).
document.addEventListener("htmx:afterRequest", (event) => {
  const form = event.detail.elt;
  if (form.matches("form[data-resets-on-created]") && event.detail.successful && event.detail.xhr.status === 201) {
    form.reset();
  }
});
