// /docs: the operations are plain HTML drawn by the server from the OpenAPI document; Swagger UI 5
// (vendored from swagger-ui-dist, see VENDOR.md; 1.7 MB of script) is loaded only when asked for:
// the "Try the API" button, an operation's "Try it" link, or a Swagger UI deep link (#/tag/id) in
// the address. No inline script, so the page runs under the same script policy as the dashboard.
(function () {
  const button = document.getElementById("try-api");
  const root = document.getElementById("swagger-ui");
  const status = document.getElementById("try-status");
  let loading = null;
  let drawn;
  const ready = new Promise(resolve => { drawn = resolve; });  // Swagger UI has drawn the document

  function load(tag, attributes) {
    return new Promise((resolve, reject) => {
      const element = Object.assign(document.createElement(tag), attributes);
      element.onload = resolve;
      element.onerror = () => reject(new Error(`could not load ${attributes.src || attributes.href}`));
      document.head.append(element);
    });
  }

  // Swagger UI titles the page with an h1 and each tag with an h3: read the tags as level 2.
  function levelHeadings() {
    for (const heading of root.querySelectorAll("h3.opblock-tag")) heading.setAttribute("aria-level", "2");
    for (const heading of root.querySelectorAll("section.models > h4")) heading.setAttribute("aria-level", "2");
  }

  function openSwagger() {
    loading ||= (async () => {
      button.disabled = true;
      status.textContent = button.dataset.loading || "…";
      await Promise.all([load("link", {rel: "stylesheet", href: button.dataset.swaggerCss}),
                         load("script", {src: button.dataset.swaggerJs})]);
      document.getElementById("api-operations").hidden = true;
      root.hidden = false;
      window.ui = SwaggerUIBundle({
        url: button.dataset.openapiUrl,
        dom_id: "#swagger-ui",
        deepLinking: true,
        layout: "BaseLayout",
        presets: [SwaggerUIBundle.presets.apis],
        plugins: [SwaggerUIBundle.plugins.DownloadUrl],
        validatorUrl: null,
        tryItOutEnabled: false,
        onComplete: () => { levelHeadings(); drawn(); },
      });
      new MutationObserver(levelHeadings).observe(root, {childList: true, subtree: true});
      status.textContent = "";
      button.hidden = true;
    })().catch(error => {
      loading = null;
      button.disabled = false;
      status.textContent = error.message;
    });
    return loading;
  }

  button.addEventListener("click", openSwagger);
  // An operation's "Try it" link opens Swagger UI at that operation (through its API, not its
  // #/tag/operationId deep link, which Swagger UI 5 reports as deprecated when the id has "_").
  document.getElementById("api-operations").addEventListener("click", event => {
    const link = event.target.closest("a[data-operation]");
    if (!link) return;
    event.preventDefault();
    const key = ["operations", link.dataset.tag, link.dataset.operation];
    openSwagger().then(() => ready).then(() => {
      window.ui.layoutActions.show(key, true);
      window.ui.layoutActions.scrollTo(key);
    });
  });
  const deepLink = () => window.location.hash.startsWith("#/");
  window.addEventListener("hashchange", () => { if (deepLink()) openSwagger(); });
  if (deepLink()) openSwagger();
})();
