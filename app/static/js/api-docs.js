// Starts Swagger UI on /api/docs with a switch between the API versions (the list comes from the page).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    urls: JSON.parse(root.dataset.versions),
    "urls.primaryName": root.dataset.primary,
    domNode: root,
    deepLinking: true,
    validatorUrl: null, // no call to an outside validator: the page talks to this origin only
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "StandaloneLayout",
  });
});
