// One path for an htmx request that failed: no network, no answer in time (htmx.config.timeout),
// a 5xx, an error page (a proxy's, or the shop's own `data-request-failed` answer: 403, 404, 429…).
// Its body is never swapped into the fragment: a short message is shown beside the action and the
// form stays for a retry. Answers the page expects in place (422 field errors, 409 conflicts, the
// login form's 401 and its rate limit) are swapped as before. An ended session never arrives here:
// the server answers it with HX-Redirect to the login page, which htmx follows first.
"use strict";

const FAILURE_MESSAGES = {
  network: "We could not reach the shop. Check your connection and try again.",
  timeout: "The shop is taking too long to answer. Please try again.",
  server: "Something went wrong on our side. Please try again in a moment.",
  refused: "This could not be done. Reload the page and try again.",
};

// The shop's failure answer, or a whole error page (a proxy's): neither belongs inside a fragment.
function failureIn(xhr) {
  const body = typeof xhr.response === "string" ? xhr.response : "";
  const failure = body.includes("data-request-failed")
    ? new DOMParser().parseFromString(body, "text/html").querySelector("[data-request-failed]")
    : null;
  if (failure) return failure.textContent.trim();
  if (xhr.status >= 500) return FAILURE_MESSAGES.server;
  if (xhr.status >= 400 && (/<html[\s>]|<!doctype/i.test(body) || body.trim() === "")) return FAILURE_MESSAGES.refused;
  return null;
}

// Where the message goes: the element named by the requesting element's (or an ancestor's)
// data-failure-slot (the purchase box's message line, whose space is kept), else a message line of
// its own just after the requesting form, else the flash area.
function showFailure(elt, message) {
  const named = elt && elt.closest && elt.closest("[data-failure-slot]");
  let slot = named && document.querySelector(named.dataset.failureSlot);
  if (!slot && elt && elt.isConnected) {
    const anchor = elt.closest("form") || elt;
    slot = anchor.nextElementSibling && anchor.nextElementSibling.matches("[data-failure-for]")
      ? anchor.nextElementSibling
      : null;
    if (!slot) {
      slot = document.createElement("div");
      slot.dataset.failureFor = "";
      anchor.insertAdjacentElement("afterend", slot);
    }
  }
  slot = slot || document.getElementById("flash-area");
  if (!slot) return;
  const line = document.createElement("span");
  line.className = "request-failure";
  line.setAttribute("role", "alert");
  line.dataset.requestFailure = "";
  line.textContent = message;
  slot.classList.add("is-error");
  slot.replaceChildren(line);
}

function clearFailure(elt) {
  const named = elt.closest && elt.closest("[data-failure-slot]");
  const slot = named ? document.querySelector(named.dataset.failureSlot) : (elt.closest("form") || elt).nextElementSibling;
  if (slot && slot.querySelector(":scope > [data-request-failure]")) {
    slot.replaceChildren();
    slot.classList.remove("is-error");
  }
}

// A 403 for an expired form carries a fresh CSRF token: the page takes it, so the retry passes.
function renewCsrfToken(xhr) {
  const token = xhr.getResponseHeader("X-CSRFToken");
  if (!token) return;
  const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
  headers["X-CSRFToken"] = token;
  document.body.setAttribute("hx-headers", JSON.stringify(headers));
  document.querySelectorAll('input[name="csrf_token"]').forEach((input) => { input.value = token; });
}

// The pressed button gets its focus back after a failure (htmx disabled it during the request).
const pressed = new WeakMap();

document.addEventListener("htmx:beforeRequest", (event) => {
  const elt = event.detail.elt;
  clearFailure(elt);
  const active = document.activeElement;
  if (active && active !== document.body && elt.contains(active)) pressed.set(elt, active);
});

function fail(elt, message) {
  showFailure(elt, message);
  const button = pressed.get(elt);
  pressed.delete(elt);
  // htmx re-enables hx-disabled-elt once its events have run: focus the button after that.
  if (button && button.isConnected) setTimeout(() => button.focus({ preventScroll: true }), 0);
}

document.addEventListener("htmx:beforeSwap", (event) => {
  const xhr = event.detail.xhr;
  const message = failureIn(xhr);
  if (message === null) return;
  renewCsrfToken(xhr);
  event.detail.shouldSwap = false;
  event.detail.isError = false; // handled here: htmx need not report it again
  fail(event.detail.requestConfig ? event.detail.requestConfig.elt : event.detail.elt, message);
});
document.addEventListener("htmx:sendError", (event) => fail(event.detail.elt, FAILURE_MESSAGES.network));
document.addEventListener("htmx:timeout", (event) => fail(event.detail.elt, FAILURE_MESSAGES.timeout));
