// Picture uploads on the admin's product form (components/admin.html, product_image_form): a preview of
// the chosen file, a size check before sending, and progress while htmx sends it. No inline script (CSP).
"use strict";

function uploadForm(element) {
  return element?.closest?.("form[data-image-upload]");
}

function showError(form, message) {
  const slot = form.querySelector(".field-error");
  if (slot) slot.textContent = message;
  form.querySelector("input[type=file]")?.setAttribute("aria-invalid", message ? "true" : "false");
}

// Preview: the chosen file, shown from memory (img-src allows blob:), before anything is sent.
document.addEventListener("change", (event) => {
  const input = event.target;
  const form = uploadForm(input);
  if (!form || input.type !== "file") return;
  const preview = document.getElementById(input.dataset.preview);
  const file = input.files?.[0];
  showError(form, "");
  if (preview?.src) URL.revokeObjectURL(preview.src);
  if (!file || !preview) return;
  if (file.size > Number(form.dataset.maxBytes)) {
    showError(form, form.dataset.tooLarge);
    preview.hidden = true;
    return;
  }
  preview.src = URL.createObjectURL(file);
  preview.hidden = false;
});

// Too large: refused here, without sending megabytes the server would refuse (it checks too: 413).
document.addEventListener("htmx:confirm", (event) => {
  const form = uploadForm(event.detail.elt);
  const file = form?.querySelector("input[type=file]")?.files?.[0];
  if (form && file && file.size > Number(form.dataset.maxBytes)) {
    event.preventDefault();
    showError(form, form.dataset.tooLarge);
  }
});

document.addEventListener("htmx:xhr:loadstart", (event) => {
  const bar = uploadForm(event.detail.elt)?.querySelector("progress");
  if (bar) { bar.value = 0; bar.hidden = false; }
});

document.addEventListener("htmx:xhr:progress", (event) => {
  const bar = uploadForm(event.detail.elt)?.querySelector("progress");
  if (bar && event.detail.lengthComputable) bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
});

// A 413 from the server (the limit changed, or no size was known): the message in the form, not a page.
document.addEventListener("htmx:beforeSwap", (event) => {
  const form = uploadForm(event.detail.elt);
  if (form && event.detail.xhr.status === 413) {
    event.detail.shouldSwap = false;
    form.querySelector("progress").hidden = true;
    showError(form, form.dataset.tooLarge);
  }
});
