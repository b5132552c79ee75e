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
    onComplete: levelHeadings,
  });
  // Swagger UI titles the page with an h1 and each tag with an h3: read the tags as level 2.
  function levelHeadings() {
    for (const heading of root.querySelectorAll("h3.opblock-tag")) heading.setAttribute("aria-level", "2");
    for (const heading of root.querySelectorAll("section.models > h4")) heading.setAttribute("aria-level", "2");
  }
  new MutationObserver(levelHeadings).observe(root, {childList: true, subtree: true});
})();
