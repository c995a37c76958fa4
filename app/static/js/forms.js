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

// Focus stays where the shopper was. A swap replaces the pressed button, and htmx disables it during
// the request, which drops its focus (so htmx's own focus keeping finds nothing): the id is noted
// before the request, and once the answer is swapped in the element with that id takes the focus
// back, or the form's data-focus-fallback (removing a cart line removes its button too). The
// requesting element may be gone by then, so the swap's events (fired on the new content) are used.
const refocus = new Map();
document.addEventListener("htmx:beforeRequest", (event) => {
  const from = event.detail.elt;
  const active = document.activeElement;
  if (active && active.id && from.contains(active)) {
    refocus.set(from, { id: active.id, fallback: from.dataset.focusFallback });
  }
});
document.addEventListener("htmx:afterSwap", (event) => {
  const from = (event.detail.requestConfig && event.detail.requestConfig.elt) || event.detail.elt;
  const wanted = refocus.get(from);
  if (wanted) {
    refocus.delete(from);
    const target = document.getElementById(wanted.id) || (wanted.fallback && document.querySelector(wanted.fallback));
    if (target && document.activeElement !== target) target.focus({ preventScroll: true });
  }
  // data-focus-after="SELECTOR" (pagination links): scroll to the new results and focus their heading.
  const selector = from && from.dataset && from.dataset.focusAfter;
  const heading = selector && event.detail.xhr.status < 400 && document.querySelector(selector);
  if (heading && document.activeElement !== heading) {
    (heading.closest("section") || heading).scrollIntoView({ block: "start" });
    heading.focus({ preventScroll: true });
  }
});
document.addEventListener("htmx:afterRequest", (event) => refocus.delete(event.detail.elt)); // a failed request
