// Przystań: starts Swagger UI on /api/docs (a static file: the CSP allows no inline script).
// The page (logistics.vouchers.api_docs) names the schema's URL in main#swagger-ui[data-spec-url] and loads
// /static/vendor/swagger-ui/swagger-ui-bundle.js (copied from swagger-ui-dist by scripts/vendor.sh) before this.
(function () {
  "use strict";
  function start() {
    const root = document.getElementById("swagger-ui");
    if (!root || typeof window.SwaggerUIBundle !== "function") return;
    window.ui = window.SwaggerUIBundle({
      url: root.getAttribute("data-spec-url"),
      domNode: root,
      deepLinking: true,
      showExtensions: true,
      showCommonExtensions: true,
      presets: [window.SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
