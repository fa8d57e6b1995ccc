// Swagger UI over the app's own OpenAPI document, with "Try it out" against this app. The admin routes
// declare their security schemes (function key, X-Admin-Token): "Authorize" fills both headers.
window.onload = () => {
  window.ui = SwaggerUIBundle({
    url: "openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    tryItOutEnabled: true,
    displayRequestDuration: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "StandaloneLayout",
  });
};
