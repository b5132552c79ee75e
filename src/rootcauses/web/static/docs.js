// /docs: Swagger UI 5 (vendored from swagger-ui-dist, see VENDOR.md) on the app's OpenAPI document.
// No inline script, so the page runs under the same script policy as the dashboard.
(function () {
  const root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    layout: "BaseLayout",
    presets: [SwaggerUIBundle.presets.apis],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    validatorUrl: null,
    tryItOutEnabled: false,
  });
})();
