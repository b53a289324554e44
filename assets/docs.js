// Starts Swagger UI on the proxy's own OpenAPI document (no external requests).
window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
